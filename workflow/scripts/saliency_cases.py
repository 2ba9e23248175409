from lowcap.jobs import logged
from lowcap.jobs.saliency import saliency_cases

settings = snakemake.params.settings
with logged(snakemake.log[0]):
    saliency_cases(
        images=snakemake.input.images,
        labels=snakemake.input.labels,
        checkpoint=snakemake.input.checkpoint,
        expected=snakemake.params.model,
        study=snakemake.params.study,
        sparsity=settings["sparsity"],
        scope=settings["scope"],
        epsilon=settings["epsilon"],
        out_maps=snakemake.output.maps,
        out_cases=snakemake.output.cases,
        threads=snakemake.threads,
    )
