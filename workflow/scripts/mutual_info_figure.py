from lowcap.jobs import logged
from lowcap.jobs.mutual_info import mutual_info_figure

with logged(snakemake.log[0]):
    mutual_info_figure(
        tables=list(snakemake.input),
        pairs=snakemake.params.pairs,
        outputs=dict(snakemake.output.items()),
        widths=snakemake.params.widths,
        seeds=snakemake.params.seeds,
        figure_labels=snakemake.params.figure_labels,
    )
