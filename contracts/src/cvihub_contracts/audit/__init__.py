"""Audit events: facts the registry appends to its tamper-evident audit log.

Services that decide on access (intake, referrals, notifications) publish each refusal here;
the registry consumes them and chains them into its audit log, once each.
"""
