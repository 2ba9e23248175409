# One study, whole: `snakemake results/{study}/study.yaml` builds every figure and table of it.
rule study_manifest:
    """The study's resolved settings and the sha256 of each of its figures and tables."""
    input:
        study_targets,
    output:
        "results/{study}/study.yaml",
    log:
        f"{LOGS}/study_manifest.log",
    conda:
        ENV
    resources:
        mem_mb=500,
        runtime=10,
    params:
        settings=lambda wc: asdict(study_of(wc)),
        code=code_digest("lowcap.jobs.study"),
    script:
        "../scripts/study_manifest.py"
