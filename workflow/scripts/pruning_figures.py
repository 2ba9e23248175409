from lowcap.jobs import logged
from lowcap.jobs.pruning import pruning_figures

with logged(snakemake.log[0]):
    pruning_figures(
        snakemake.input[0],
        snakemake.wildcards.pair,
        snakemake.wildcards.scheme,
        snakemake.params.levels,
        {k: v for k, v in snakemake.output.items()},
        figure_labels=snakemake.params.figure_labels,
        grid=snakemake.params.grid,
    )
