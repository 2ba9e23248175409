rule train_pair_seed:
    """Train every width of one (pair, seed) as one wide bank; one checkpoint per width."""
    input:
        images=POOL_FILES[0],
        labels=POOL_FILES[1],
    output:
        checkpoints=expand(
            "results/checkpoints/{{pair}}/w{width}_s{{seed}}.pt", width=WIDTHS
        ),
        history="results/metrics/{pair}/s{seed}_history.csv",
    params:
        widths=WIDTHS,
        protocol=PROTOCOL.__dict__,
        provenance=PROVENANCE,
    threads: 1
    log:
        "results/logs/train_pair_seed/{pair}_s{seed}.log",
    conda:
        "../../envs/lowcap.yaml"
    script:
        "../scripts/train_pair_seed.py"
