from lowcap.jobs import logged
from lowcap.jobs.capacity import capacity_summary

with logged(snakemake.log[0]):
    capacity_summary(
        list(snakemake.input.histories),
        snakemake.params.pairs,
        snakemake.params.widths,
        snakemake.params.seeds,
        {k: v for k, v in snakemake.output.items()},
        figure_labels=snakemake.params.figure_labels,
    )
