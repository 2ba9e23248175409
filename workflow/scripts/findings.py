from lowcap.jobs import logged
from lowcap.jobs.claims import findings

with logged(snakemake.log[0]):
    findings(
        snakemake.params.studies,
        snakemake.params.budget,
        snakemake.params.rules,
        snakemake.output.md,
    )
