from lowcap.jobs import logged
from lowcap.jobs.mutual_info import mutual_info_pair

with logged(snakemake.log[0]):
    mutual_info_pair(
        checkpoints=list(snakemake.input.checkpoints),
        expected=snakemake.params.models,
        images=snakemake.input.images,
        labels=snakemake.input.labels,
        study=snakemake.params.study,
        sparsity=snakemake.params.mutual_info["sparsity"],
        scope=snakemake.params.mutual_info["scope"],
        n_neighbors=snakemake.params.mutual_info["n_neighbors"],
        random_state=snakemake.params.mutual_info["random_state"],
        out=snakemake.output[0],
        threads=snakemake.threads,
    )
