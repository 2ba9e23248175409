# Filled in by the tsne stage.
TSNE_TARGETS = []
