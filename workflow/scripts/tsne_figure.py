from lowcap import jobs

with jobs.logged(snakemake.log[0]):
    jobs.tsne_figure(snakemake.input.embedding, snakemake.input.similarity, snakemake.output.png,
                     snakemake.output.pdf, snakemake.output.csv)
