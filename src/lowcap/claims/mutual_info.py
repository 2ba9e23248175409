"""Claims of the registry (lowcap.claims.registry): mutual_info. Filled in by its owner."""
