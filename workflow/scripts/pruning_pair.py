from lowcap.jobs import logged
from lowcap.jobs.pruning import pruning_pair

with logged(snakemake.log[0]):
    pruning_pair(
        checkpoints=list(snakemake.input.checkpoints),
        expected=snakemake.params.models,
        images=snakemake.input.images,
        labels=snakemake.input.labels,
        study=snakemake.params.study,
        levels=snakemake.params.levels,
        scope=snakemake.params.scope,
        out=snakemake.output[0],
        threads=snakemake.threads,
    )
