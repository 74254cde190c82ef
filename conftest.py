"""Fixtures for every test in the repository: a real broker and real databases."""

pytest_plugins = ["cvihub_testkit.plugin"]
