from lowcap import jobs

with jobs.logged(snakemake.log[0]):
    jobs.train_pair_seed(
        images=snakemake.input.images,
        labels=snakemake.input.labels,
        pair=snakemake.wildcards.pair,
        seed=int(snakemake.wildcards.seed),
        widths=snakemake.params.widths,
        protocol=snakemake.params.protocol,
        provenance=snakemake.params.provenance,
        checkpoints=snakemake.output.checkpoints,
        history=snakemake.output.history,
        threads=snakemake.threads,
    )
