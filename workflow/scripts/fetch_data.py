from lowcap import jobs

with jobs.logged(snakemake.log[0]):
    jobs.fetch_data(snakemake.wildcards.dataset, snakemake.params.pool, snakemake.wildcards.stem,
                    snakemake.params.mirror, snakemake.output[0])
