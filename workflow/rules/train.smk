CHECKPOINT = "results/checkpoints/{pair}/w{width}_s{seed}.pt"


rule train_pair:
    """Train every width and seed of one pair (a wide bank per seed); one checkpoint per model."""
    input:
        images=POOL_FILES[0],
        labels=POOL_FILES[1],
    output:
        checkpoints=expand(
            CHECKPOINT.replace("{pair}", "{{pair}}"), width=WIDTHS, seed=SEEDS
        ),
        history="results/metrics/{pair}.csv",
    params:
        seeds=SEEDS,
        widths=WIDTHS,
        protocol=PROTOCOL.__dict__,
        provenance=PROVENANCE,
        checkpoint_pattern=lambda wc: CHECKPOINT.replace("{pair}", wc.pair),
    threads: 1
    priority: 1
    resources:
        mem_mb=2000,
        runtime=30,
    log:
        "results/logs/train_pair/{pair}.log",
    benchmark:
        "results/benchmarks/train_pair/{pair}.tsv"
    conda:
        "../../envs/lowcap.yaml"
    script:
        "../scripts/train_pair.py"
