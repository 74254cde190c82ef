"""CSV and Excel uploads for partners without an API: templates, jobs, per-row reports."""
