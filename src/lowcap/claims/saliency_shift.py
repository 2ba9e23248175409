"""Claims of the registry (lowcap.claims.registry): saliency_shift. Filled in by its owner."""
