from lowcap import jobs

with jobs.logged(snakemake.log[0]):
    jobs.capacity_figure(list(snakemake.input), snakemake.params.pairs, snakemake.wildcards.split,
                         snakemake.output.png, snakemake.output.pdf, snakemake.output.csv)
