from lowcap.jobs import logged
from lowcap.jobs.imp import imp_pair

with logged(snakemake.log[0]):
    imp_pair(
        checkpoints=list(snakemake.input.checkpoints),
        expected=snakemake.params.models,
        images=snakemake.input.images,
        labels=snakemake.input.labels,
        study=snakemake.params.study,
        protocol=snakemake.params.protocol,
        rate=snakemake.params.imp["rate"],
        rounds=snakemake.params.imp["rounds"],
        finetune_epochs=snakemake.params.imp["finetune_epochs"],
        target_sparsity=snakemake.params.imp["target_sparsity"],
        tolerance_points=snakemake.params.imp["tolerance_points"],
        out=snakemake.output[0],
        threads=snakemake.threads,
    )
