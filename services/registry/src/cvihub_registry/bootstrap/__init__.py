"""Startup: the seed file and the snapshot every registry copy starts from."""
