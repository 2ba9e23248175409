from lowcap.jobs import logged
from lowcap.jobs.saliency_shift import saliency_shift_pair

with logged(snakemake.log[0]):
    saliency_shift_pair(
        checkpoints=list(snakemake.input.checkpoints),
        expected=snakemake.params.models,
        images=snakemake.input.images,
        labels=snakemake.input.labels,
        study=snakemake.params.study,
        sigmas=snakemake.params.sigmas,
        occlusion_size=snakemake.params.occlusion_size,
        n_images=snakemake.params.shift["n_images"],
        epsilon=snakemake.params.shift["epsilon"],
        out=snakemake.output[0],
        threads=snakemake.threads,
    )
