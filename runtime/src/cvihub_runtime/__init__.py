"""Plumbing shared by the hub's services. No business rules live here."""
