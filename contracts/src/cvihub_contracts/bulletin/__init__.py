"""Community bulletins: events and resources partners share with the network."""
