"""People inside partners, sign-in by emailed code and device sessions."""
