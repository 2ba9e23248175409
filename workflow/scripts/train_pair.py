from lowcap import jobs

with jobs.logged(snakemake.log[0]):
    jobs.train_pair(
        images=snakemake.input.images,
        labels=snakemake.input.labels,
        pair=snakemake.wildcards.pair,
        seeds=snakemake.params.seeds,
        widths=snakemake.params.widths,
        protocol=snakemake.params.protocol,
        provenance=snakemake.params.provenance,
        checkpoint_pattern=snakemake.params.checkpoint_pattern,
        history=snakemake.output.history,
        threads=snakemake.threads,
    )
