# Filled in by the saliency stage.
SALIENCY_TARGETS = []
