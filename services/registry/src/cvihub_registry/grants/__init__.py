"""Grants: which partner may publish or subscribe on which stream, on what terms."""
