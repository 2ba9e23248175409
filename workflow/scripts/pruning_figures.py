from lowcap import jobs

with jobs.logged(snakemake.log[0]):
    jobs.pruning_figures(snakemake.input[0], snakemake.wildcards.pair, snakemake.params.levels,
                         dict(snakemake.output.items()))
