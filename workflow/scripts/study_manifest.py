from lowcap.jobs import logged
from lowcap.jobs.study import study_manifest

with logged(snakemake.log[0]):
    study_manifest(snakemake.params.settings, list(snakemake.input), snakemake.output[0])
