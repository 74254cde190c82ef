"""Registry events: every change to partners, keys, grants and subscriptions.

Services keep a local copy from these so they keep deciding while the registry is down.
Each carries the registry's change sequence: a copy applies a change only if it is newer.
"""
