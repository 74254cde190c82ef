"""FHIR R4 Subscriptions (the Subscriptions Backport): rest-hook, id-only, on Tasks."""
