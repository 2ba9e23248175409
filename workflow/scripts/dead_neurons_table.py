from lowcap import jobs

with jobs.logged(snakemake.log[0]):
    jobs.dead_neurons_table(list(snakemake.input), snakemake.params.sparsity, snakemake.params.paper_rows,
                            snakemake.params.pairs, snakemake.output.csv, snakemake.output.md)
