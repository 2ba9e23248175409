from lowcap.jobs import logged
from lowcap.jobs.saliency_shift import saliency_shift_table

with logged(snakemake.log[0]):
    saliency_shift_table(
        tables=list(snakemake.input),
        summary_csv=snakemake.output.summary_csv,
        predicts_csv=snakemake.output.predicts_csv,
        predicts_md=snakemake.output.predicts_md,
        pairs=snakemake.params.pairs,
        grid=snakemake.params.grid,
    )
