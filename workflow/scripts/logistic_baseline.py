from lowcap.jobs import logged
from lowcap.jobs.baseline import logistic_baseline

with logged(snakemake.log[0]):
    logistic_baseline(
        snakemake.input.images,
        snakemake.input.labels,
        snakemake.params.pairs,
        snakemake.params.seeds,
        snakemake.output[0],
    )
