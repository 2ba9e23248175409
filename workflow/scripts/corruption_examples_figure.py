from lowcap import jobs

with jobs.logged(snakemake.log[0]):
    jobs.corruption_examples_figure(snakemake.input[0], snakemake.output.png, snakemake.output.pdf,
                                    snakemake.output.csv)
