"""`cvihub admin`: the hub's admin APIs from the command line, one module per command group.

`client` talks HTTP, `render` prints (escaping whatever came from the hub), `options` holds the
shared options, and `app` puts the groups together."""
