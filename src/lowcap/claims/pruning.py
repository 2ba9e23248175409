"""Claims of the registry (lowcap.claims.registry): pruning. Filled in by its owner."""
