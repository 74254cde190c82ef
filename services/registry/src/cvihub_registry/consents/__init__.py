"""Consent records: a patient's consent to a referral, recorded and withdrawn."""
