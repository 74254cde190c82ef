"""The hub's own FHIR terminology: CVI service codes and the identifier systems of partners and
consent records, for referrals that arrive or are read back as FHIR R4."""
