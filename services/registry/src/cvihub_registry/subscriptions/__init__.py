"""Subscriptions: the delivery endpoints partners receive a stream on."""
