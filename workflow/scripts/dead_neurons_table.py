from lowcap.jobs import logged
from lowcap.jobs.pruning import dead_neurons_table

with logged(snakemake.log[0]):
    dead_neurons_table(
        list(snakemake.input),
        snakemake.params.sparsity,
        snakemake.params.paper_rows,
        snakemake.params.pairs,
        snakemake.output.csv,
        snakemake.output.md,
        grid=snakemake.params.grid,
    )
