from lowcap.jobs import logged
from lowcap.jobs.compare import comparison

with logged(snakemake.log[0]):
    comparison(
        snakemake.params.mlp,
        snakemake.params.cnn,
        snakemake.params.pairs,
        snakemake.params.split,
        snakemake.params.stat,
        {k: v for k, v in snakemake.output.items()},
    )
