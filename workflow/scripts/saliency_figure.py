from lowcap.jobs import logged
from lowcap.jobs.saliency import saliency_figure

with logged(snakemake.log[0]):
    saliency_figure(
        snakemake.input.cases,
        snakemake.input.maps,
        **{k: v for k, v in snakemake.output.items()},
        figure_labels=snakemake.params.figure_labels,
    )
