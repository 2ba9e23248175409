from lowcap.jobs import logged
from lowcap.jobs.train import lr_sweep_seed

with logged(snakemake.log[0]):
    lr_sweep_seed(
        images=snakemake.input.images,
        labels=snakemake.input.labels,
        pair=snakemake.wildcards.pair,
        seed=int(snakemake.wildcards.seed),
        widths=snakemake.params.widths,
        lrs=snakemake.params.lrs,
        protocol=snakemake.params.protocol,
        history=snakemake.output.history,
        threads=snakemake.threads,
    )
