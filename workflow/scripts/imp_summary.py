from lowcap.jobs import logged
from lowcap.jobs.imp import imp_summary

with logged(snakemake.log[0]):
    imp_summary(
        tables=list(snakemake.input),
        pairs=snakemake.params.pairs,
        tolerance_points=snakemake.params.imp["tolerance_points"],
        finetune_epochs=snakemake.params.imp["finetune_epochs"],
        outputs=dict(snakemake.output.items()),
        figure_labels=snakemake.params.figure_labels,
        grid={"widths": snakemake.params.widths, "seeds": snakemake.params.seeds, "imp": snakemake.params.imp},
    )
