"""The registry's outgoing mail: the outbox, its SMTP relay and the admin's view."""
