# Filled in by the lr_sweep stage.
LR_SWEEP_TARGETS = []
