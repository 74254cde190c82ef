"""The hub's named administrators and their keys."""
