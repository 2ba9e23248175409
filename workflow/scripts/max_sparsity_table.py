from lowcap.jobs import logged
from lowcap.jobs.pruning import max_sparsity_table

with logged(snakemake.log[0]):
    max_sparsity_table(
        list(snakemake.input),
        snakemake.params.levels,
        snakemake.params.pairs,
        snakemake.output.csv,
        snakemake.output.md,
        figure_labels=snakemake.params.figure_labels,
        grid=snakemake.params.grid,
    )
