from lowcap.jobs import logged
from lowcap.jobs.capacity import training_curves_figure

with logged(snakemake.log[0]):
    training_curves_figure(
        [snakemake.input.history],
        snakemake.wildcards.pair,
        snakemake.params.widths,
        snakemake.params.seeds,
        **{k: v for k, v in snakemake.output.items()},
        figure_labels=snakemake.params.figure_labels,
    )
