from lowcap import jobs

with jobs.logged(snakemake.log[0]):
    jobs.training_curves_figure(list(snakemake.input), snakemake.wildcards.pair,
                                snakemake.output.png, snakemake.output.pdf, snakemake.output.csv)
