"""Generated documentation of the hub: OpenAPI and AsyncAPI per service, and the event catalog."""
