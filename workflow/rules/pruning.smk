# Filled in by the pruning stage.
PRUNING_TARGETS = []
