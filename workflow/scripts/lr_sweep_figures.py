from lowcap.jobs import logged
from lowcap.jobs.lr_sweep import lr_sweep_figures

with logged(snakemake.log[0]):
    lr_sweep_figures(
        histories=list(snakemake.input.histories),
        pair=snakemake.params.pair,
        widths=snakemake.params.widths,
        seeds=snakemake.params.seeds,
        lrs=snakemake.params.lrs,
        protocol_lr=snakemake.params.protocol_lr,
        outputs={k: v for k, v in snakemake.output.items()},
        figure_labels=snakemake.params.figure_labels,
    )
