"""Partners' API keys: issue, scope, rotate, revoke, and authenticate by key."""
