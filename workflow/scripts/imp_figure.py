from lowcap.jobs import logged
from lowcap.jobs.imp import imp_figure

with logged(snakemake.log[0]):
    imp_figure(
        table_csv=snakemake.input[0],
        pair=snakemake.wildcards.pair,
        tolerance_points=snakemake.params.imp["tolerance_points"],
        finetune_epochs=snakemake.params.imp["finetune_epochs"],
        png=snakemake.output.png,
        pdf=snakemake.output.pdf,
        csv=snakemake.output.csv,
        figure_labels=snakemake.params.figure_labels,
        grid={"widths": snakemake.params.widths, "seeds": snakemake.params.seeds, "imp": snakemake.params.imp},
    )
