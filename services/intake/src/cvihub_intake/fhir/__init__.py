"""FHIR R4 referrals as the HL7 Gravity SDOH Clinical Care IG models them, in and out."""
