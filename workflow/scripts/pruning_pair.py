from lowcap import jobs

with jobs.logged(snakemake.log[0]):
    jobs.pruning_pair(
        checkpoints=list(snakemake.input.checkpoints),
        images=snakemake.input.images,
        labels=snakemake.input.labels,
        levels=snakemake.params.levels,
        scope=snakemake.params.scope,
        out=snakemake.output[0],
        threads=snakemake.threads,
    )
