from lowcap import jobs

with jobs.logged(snakemake.log[0]):
    jobs.fetch_data(snakemake.wildcards.dataset, snakemake.wildcards.stem, snakemake.params.mirror,
                    snakemake.params.sha256, snakemake.output[0])
