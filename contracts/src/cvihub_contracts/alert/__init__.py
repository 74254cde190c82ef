"""Incident alerts: a shooting or other violent incident, published within minutes."""
