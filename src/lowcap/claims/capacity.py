"""Claims of the registry (lowcap.claims.registry): capacity. Filled in by its owner."""
