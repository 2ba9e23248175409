"""Claims of the registry (lowcap.claims.registry): imp. Filled in by its owner."""
