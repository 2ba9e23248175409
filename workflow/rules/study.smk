# One study, whole: `snakemake results/{study}/study.yaml` builds every figure and table of it.
rule study_manifest:
    """The study's resolved settings and the sha256 of each of its figures and tables."""
    input:
        built=study_targets,
    output:
        manifest="results/{study}/study.yaml",
    log:
        f"{LOGS}/study_manifest.log",
    conda:
        ENV
    resources:
        mem_mb=500,
        runtime=10,
    params:
        **job("lowcap.jobs.study.study_manifest"),
        settings=lambda wc: asdict(study_of(wc)),
    script:
        JOB_SCRIPT
