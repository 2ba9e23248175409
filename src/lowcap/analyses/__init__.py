"""One module per analysis: checkpoints and tables in, tables out; nothing here draws."""
