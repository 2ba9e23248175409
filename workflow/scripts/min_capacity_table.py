from lowcap import jobs

with jobs.logged(snakemake.log[0]):
    jobs.min_capacity_table(list(snakemake.input), snakemake.params.pairs,
                            snakemake.output.csv, snakemake.output.md)
