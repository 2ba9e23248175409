from lowcap.jobs import logged
from lowcap.jobs.robustness import corruption_examples_figure

with logged(snakemake.log[0]):
    corruption_examples_figure(snakemake.input[0], **{k: v for k, v in snakemake.output.items()},
                               figure_labels=snakemake.params.figure_labels)
