# Filled in by the robustness stage.
ROBUSTNESS_TARGETS = []
