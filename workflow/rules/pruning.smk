# One-shot magnitude pruning (paper Fig. 4, B.1-B.4) and dead neurons (paper Table 1).

PRUNING_LEVELS = config["pruning"]["levels"]
DEAD_NEURON_SPARSITY = config["dead_neurons"]["sparsity"]
PRUNING_FIGURE_KINDS = ["f1_change", "auc_change", "f1"]

PRUNING_TARGETS = [
    *expand("results/figures/fig4_pruning_{kind}_{pair}.png", kind=PRUNING_FIGURE_KINDS, pair=PAIRS),
    "results/tables/max_sparsity.csv",
    "results/tables/dead_neurons.csv",
]


rule pruning_pair:
    """Every checkpoint of one pair pruned once by weight magnitude at every level, no retraining;
    achieved sparsity, validation loss/F1/AUC and dead units. Level 0 is the unpruned model."""
    input:
        checkpoints=lambda wc: checkpoints([wc.pair], WIDTHS),
        images=POOL_FILES[0],
        labels=POOL_FILES[1],
    output:
        "results/pruning/{pair}.csv",
    params:
        # The dead-neuron level is evaluated even when it is not one of pruning.levels.
        levels=sorted({*PRUNING_LEVELS, DEAD_NEURON_SPARSITY}),
        scope=config["pruning"]["scope"],
    threads: 1
    resources:
        mem_mb=2000,
        runtime=20,
    log:
        "results/logs/pruning_pair/{pair}.log",
    benchmark:
        "results/benchmarks/pruning_pair/{pair}.tsv",
    conda:
        "../../envs/lowcap.yaml"
    script:
        "../scripts/pruning_pair.py"


rule pruning_figures:
    """Paper Fig. 4 (4-9), B.1-B.4: % change in F1 and AUC, and F1, against sparsity, per width."""
    input:
        "results/pruning/{pair}.csv",
    output:
        f1_change_png=report(
            "results/figures/fig4_pruning_f1_change_{pair}.png",
            caption="../report/fig4_f1_change.rst",
            category="Pruning",
        ),
        f1_change_pdf="results/figures/fig4_pruning_f1_change_{pair}.pdf",
        f1_change_csv="results/figures/fig4_pruning_f1_change_{pair}.csv",
        auc_change_png=report(
            "results/figures/fig4_pruning_auc_change_{pair}.png",
            caption="../report/fig4_auc_change.rst",
            category="Pruning",
        ),
        auc_change_pdf="results/figures/fig4_pruning_auc_change_{pair}.pdf",
        auc_change_csv="results/figures/fig4_pruning_auc_change_{pair}.csv",
        f1_png=report(
            "results/figures/fig4_pruning_f1_{pair}.png",
            caption="../report/fig4_f1.rst",
            category="Pruning",
        ),
        f1_pdf="results/figures/fig4_pruning_f1_{pair}.pdf",
        f1_csv="results/figures/fig4_pruning_f1_{pair}.csv",
    params:
        levels=PRUNING_LEVELS,
    resources:
        mem_mb=500,
        runtime=10,
    log:
        "results/logs/pruning_figures/{pair}.log",
    benchmark:
        "results/benchmarks/pruning_figures/{pair}.tsv",
    conda:
        "../../envs/lowcap.yaml"
    script:
        "../scripts/pruning_figures.py"


rule max_sparsity_table:
    """Highest sparsity at which each (pair, width) keeps F1 >= 0.90 on every seed."""
    input:
        expand("results/pruning/{pair}.csv", pair=PAIRS),
    output:
        csv=report("results/tables/max_sparsity.csv", caption="../report/max_sparsity.rst", category="Pruning"),
        md="results/tables/max_sparsity.md",
    params:
        levels=PRUNING_LEVELS,
        pairs=PAIRS,
    resources:
        mem_mb=500,
        runtime=10,
    log:
        "results/logs/max_sparsity_table.log",
    benchmark:
        "results/benchmarks/max_sparsity_table.tsv",
    conda:
        "../../envs/lowcap.yaml"
    script:
        "../scripts/max_sparsity_table.py"


rule dead_neurons_table:
    """Paper Table 1: dead hidden units before and after pruning, every checkpoint, paper rows first."""
    input:
        expand("results/pruning/{pair}.csv", pair=PAIRS),
    output:
        csv=report("results/tables/dead_neurons.csv", caption="../report/dead_neurons.rst", category="Pruning"),
        md="results/tables/dead_neurons.md",
    params:
        sparsity=DEAD_NEURON_SPARSITY,
        paper_rows=config["dead_neurons"]["paper_rows"],
        pairs=PAIRS,
    resources:
        mem_mb=500,
        runtime=10,
    log:
        "results/logs/dead_neurons_table.log",
    benchmark:
        "results/benchmarks/dead_neurons_table.tsv",
    conda:
        "../../envs/lowcap.yaml"
    script:
        "../scripts/dead_neurons_table.py"
