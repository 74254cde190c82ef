"""The hub command line."""
