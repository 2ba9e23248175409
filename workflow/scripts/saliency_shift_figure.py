from lowcap.jobs import logged
from lowcap.jobs.saliency_shift import saliency_shift_figure

with logged(snakemake.log[0]):
    saliency_shift_figure(
        table_csv=snakemake.input[0],
        pair=snakemake.wildcards.pair,
        occlusion_size=snakemake.params.occlusion_size,
        method=snakemake.params.method,
        png=snakemake.output.png,
        pdf=snakemake.output.pdf,
        csv=snakemake.output.csv,
        grid=snakemake.params.grid,
        figure_labels=snakemake.params.figure_labels,
    )
