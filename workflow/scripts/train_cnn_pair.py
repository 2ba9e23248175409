from lowcap.jobs import logged
from lowcap.jobs.cnn import train_cnn_pair

with logged(snakemake.log[0]):
    train_cnn_pair(
        images=snakemake.input.images,
        labels=snakemake.input.labels,
        study=snakemake.params.study,
        pair=snakemake.wildcards.pair,
        seeds=snakemake.params.seeds,
        channels=snakemake.params.channels,
        protocol=snakemake.params.protocol,
        checkpoints=list(snakemake.output.checkpoints),
        history=snakemake.output.history,
        threads=snakemake.threads,
    )
