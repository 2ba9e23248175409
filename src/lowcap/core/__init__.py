"""The pipeline's foundations: data, protocol, settings, models, training, metrics, tables, statistics."""
