CAPACITY_TARGETS = [
    *expand("results/figures/fig3_capacity_{split}.png", split=["train", "val"]),
    *expand("results/figures/figA_curves_{pair}.png", pair=PAIRS),
    "results/tables/min_capacity.csv",
]


rule capacity_summary:
    """Paper Fig. 3 (best F1 against width, training and validation split) and the minimum-capacity
    table: one job, as all three read every history and take a second between them."""
    input:
        histories(PAIRS),
    output:
        train_png=report(
            "results/figures/fig3_capacity_train.png",
            caption="../report/fig3.rst",
            category="Capacity",
        ),
        train_pdf="results/figures/fig3_capacity_train.pdf",
        train_csv="results/figures/fig3_capacity_train.csv",
        val_png=report(
            "results/figures/fig3_capacity_val.png",
            caption="../report/fig3.rst",
            category="Capacity",
        ),
        val_pdf="results/figures/fig3_capacity_val.pdf",
        val_csv="results/figures/fig3_capacity_val.csv",
        table_csv=report(
            "results/tables/min_capacity.csv",
            caption="../report/min_capacity.rst",
            category="Capacity",
        ),
        table_md="results/tables/min_capacity.md",
    params:
        pairs=PAIRS,
    resources:
        mem_mb=500,
        runtime=10,
    log:
        "results/logs/capacity_summary.log",
    benchmark:
        "results/benchmarks/capacity_summary.tsv"
    conda:
        "../../envs/lowcap.yaml"
    script:
        "../scripts/capacity_summary.py"


rule training_curves_figure:
    """Paper Fig. A.1-A.5: F1 and loss against epoch for one pair."""
    input:
        lambda wc: histories([wc.pair]),
    output:
        png=report(
            "results/figures/figA_curves_{pair}.png",
            caption="../report/figA.rst",
            category="Training curves",
        ),
        pdf="results/figures/figA_curves_{pair}.pdf",
        csv="results/figures/figA_curves_{pair}.csv",
    resources:
        mem_mb=500,
        runtime=10,
    log:
        "results/logs/training_curves_figure/{pair}.log",
    benchmark:
        "results/benchmarks/training_curves_figure/{pair}.tsv",
    conda:
        "../../envs/lowcap.yaml"
    script:
        "../scripts/training_curves_figure.py"
