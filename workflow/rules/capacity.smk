CAPACITY_TARGETS = [
    *expand("results/figures/fig3_capacity_{split}.png", split=["train", "val"]),
    *expand("results/figures/figA_curves_{pair}.png", pair=PAIRS),
    "results/tables/min_capacity.csv",
]


rule capacity_figure:
    """Paper Fig. 3: best F1 against width, per pair, on the training or validation split."""
    input:
        histories(PAIRS),
    output:
        png=report(
            "results/figures/fig3_capacity_{split}.png",
            caption="../report/fig3.rst",
            category="Capacity",
        ),
        pdf="results/figures/fig3_capacity_{split}.pdf",
        csv="results/figures/fig3_capacity_{split}.csv",
    params:
        pairs=PAIRS,
    log:
        "results/logs/capacity_figure/{split}.log",
    conda:
        "../../envs/lowcap.yaml"
    script:
        "../scripts/capacity_figure.py"


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
    log:
        "results/logs/training_curves_figure/{pair}.log",
    conda:
        "../../envs/lowcap.yaml"
    script:
        "../scripts/training_curves_figure.py"


rule min_capacity_table:
    """Smallest width with F1 > 0.90 per pair, on every seed and on the mean."""
    input:
        histories(PAIRS),
    output:
        csv=report(
            "results/tables/min_capacity.csv",
            caption="../report/min_capacity.rst",
            category="Capacity",
        ),
        md="results/tables/min_capacity.md",
    params:
        pairs=PAIRS,
    log:
        "results/logs/min_capacity_table.log",
    conda:
        "../../envs/lowcap.yaml"
    script:
        "../scripts/min_capacity_table.py"
