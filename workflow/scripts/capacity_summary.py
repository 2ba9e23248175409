from lowcap import jobs

with jobs.logged(snakemake.log[0]):
    jobs.capacity_summary(list(snakemake.input), snakemake.params.pairs, dict(snakemake.output.items()))
