# One study, whole: `snakemake results/{study}/study.yaml` builds every figure and table of it.


def study_targets(wildcards):
    study = study_of(wildcards)
    return [
        *capacity_targets(study),
        *lr_sweep_targets(study),
        *pruning_targets(study),
        *robustness_targets(study),
        *tsne_targets(study),
        *saliency_targets(study),
    ]


rule study_manifest:
    """The study's resolved settings and the sha256 of each of its figures and tables."""
    input:
        study_targets,
    output:
        "results/{study}/study.yaml",
    params:
        settings=lambda wc: asdict(study_of(wc)),
        code=code_digest("lowcap.jobs.study"),
    resources:
        mem_mb=500,
        runtime=10,
    log:
        f"{LOGS}/study_manifest.log",
    conda:
        ENV
    script:
        "../scripts/study_manifest.py"
