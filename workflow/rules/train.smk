rule train_pair:
    """Train every width and seed of one pair (a wide bank per seed); one checkpoint per model."""
    input:
        unpack(pool_inputs),
    output:
        checkpoints=expand(
            CHECKPOINT,
            study="{study}",
            pair="{pair}",
            width=WIDTHS,
            seed=SEEDS,
        ),
        history=HISTORY,
    log:
        f"{LOGS}/train_pair/{{pair}}.log",
    benchmark:
        f"{BENCHMARKS}/train_pair/{{pair}}.tsv"
    wildcard_constraints:
        study=MLP_STUDIES,
    priority: 1
    conda:
        ENV
    threads: 1
    resources:
        mem_mb=2000,
        runtime=30,
    params:
        **job("lowcap.jobs.train.train_pair"),
        study=study_info,
        seeds=SEEDS,
        widths=WIDTHS,
        protocol=lambda wc: asdict(study_of(wc).protocol),
    script:
        JOB_SCRIPT
