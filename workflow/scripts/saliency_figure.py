from lowcap import jobs

with jobs.logged(snakemake.log[0]):
    jobs.saliency_figure(snakemake.input.cases, snakemake.input.maps, snakemake.output.png,
                         snakemake.output.pdf, snakemake.output.csv)
