"""`./hub bench`: the hub's latency, throughput and footprint benchmark."""
