from lowcap import jobs

with jobs.logged(snakemake.log[0]):
    jobs.robustness_pair(
        images=snakemake.input.images,
        labels=snakemake.input.labels,
        checkpoints=list(snakemake.input.checkpoints),
        sigmas=snakemake.params.sigmas,
        occlusion_size=snakemake.params.occlusion_size,
        example_sigma=snakemake.params.example_sigma,
        out_csv=snakemake.output.csv,
        out_example=snakemake.output.example,
        threads=snakemake.threads,
    )
