from lowcap import jobs

with jobs.logged(snakemake.log[0]):
    jobs.saliency_cases(
        images=snakemake.input.images,
        labels=snakemake.input.labels,
        checkpoint=snakemake.input.checkpoint[0],
        sparsity=snakemake.params.sparsity,
        scope=snakemake.params.scope,
        epsilon=snakemake.params.epsilon,
        out_maps=snakemake.output.maps,
        out_cases=snakemake.output.cases,
        threads=snakemake.threads,
    )
