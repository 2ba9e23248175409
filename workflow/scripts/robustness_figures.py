from lowcap.jobs import logged
from lowcap.jobs.robustness import robustness_figures

with logged(snakemake.log[0]):
    robustness_figures(
        snakemake.input[0],
        snakemake.wildcards.pair,
        snakemake.params.occlusion_size,
        grid=snakemake.params.grid,
        figure_labels=snakemake.params.figure_labels,
        **{k: v for k, v in snakemake.output.items()},
    )
