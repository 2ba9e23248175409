from lowcap.jobs import logged
from lowcap.jobs.train import train_pair

with logged(snakemake.log[0]):
    train_pair(
        images=snakemake.input.images,
        labels=snakemake.input.labels,
        study=snakemake.params.study,
        pair=snakemake.wildcards.pair,
        seeds=snakemake.params.seeds,
        widths=snakemake.params.widths,
        protocol=snakemake.params.protocol,
        checkpoints=list(snakemake.output.checkpoints),
        history=snakemake.output.history,
        threads=snakemake.threads,
    )
