from lowcap.jobs import logged
from lowcap.jobs.capacity import budget_figure

with logged(snakemake.log[0]):
    budget_figure(
        list(snakemake.input),
        snakemake.params.studies,
        snakemake.params.epochs,
        snakemake.params.pairs,
        snakemake.params.split,
        snakemake.params.stat,
        **{k: v for k, v in snakemake.output.items()},
    )
