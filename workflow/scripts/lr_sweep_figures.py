from lowcap import jobs

with jobs.logged(snakemake.log[0]):
    jobs.lr_sweep_figures(
        list(snakemake.input),
        snakemake.params.protocol_lr,
        snakemake.output.curves_png,
        snakemake.output.curves_pdf,
        snakemake.output.curves_csv,
        snakemake.output.heatmap_png,
        snakemake.output.heatmap_pdf,
        snakemake.output.heatmap_csv,
    )
