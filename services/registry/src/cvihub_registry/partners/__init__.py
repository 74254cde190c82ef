"""Partners: the organisations of the network, their profiles, service areas and the directory."""
