"""POST /v1/events: any publishable hub event as a CloudEvent over HTTP."""
