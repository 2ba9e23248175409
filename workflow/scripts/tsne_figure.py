from lowcap.jobs import logged
from lowcap.jobs.tsne import tsne_figure

with logged(snakemake.log[0]):
    tsne_figure(
        snakemake.input.embedding,
        snakemake.input.similarity,
        **{k: v for k, v in snakemake.output.items()},
        figure_labels=snakemake.params.figure_labels,
        models=snakemake.params.models,
    )
