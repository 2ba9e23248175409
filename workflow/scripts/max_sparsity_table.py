from lowcap import jobs

with jobs.logged(snakemake.log[0]):
    jobs.max_sparsity_table(list(snakemake.input), snakemake.params.levels, snakemake.params.pairs,
                            snakemake.output.csv, snakemake.output.md)
