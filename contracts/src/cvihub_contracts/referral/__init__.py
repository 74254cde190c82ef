"""Referral events: a hospital team refers a patient to a CVI organisation."""
