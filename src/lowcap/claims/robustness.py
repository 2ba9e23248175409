"""Claims of the registry (lowcap.claims.registry): robustness. Filled in by its owner."""
