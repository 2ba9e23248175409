from lowcap.jobs import logged
from lowcap.jobs.robustness import robustness_pair

with logged(snakemake.log[0]):
    robustness_pair(
        images=snakemake.input.images,
        labels=snakemake.input.labels,
        checkpoints=list(snakemake.input.checkpoints),
        expected=snakemake.params.models,
        study=snakemake.params.study,
        sigmas=snakemake.params.sigmas,
        occlusion_size=snakemake.params.occlusion_size,
        example_sigma=snakemake.params.example_sigma,
        out_csv=snakemake.output.csv,
        out_example=snakemake.output.example,
        threads=snakemake.threads,
    )
