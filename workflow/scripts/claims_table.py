from lowcap.jobs import logged
from lowcap.jobs.claims import claims_table

with logged(snakemake.log[0]):
    claims_table(
        snakemake.params.studies,
        snakemake.params.rules,
        snakemake.output.csv,
        snakemake.output.md,
        snakemake.output.rst,
    )
