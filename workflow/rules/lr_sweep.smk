# Paper Fig. 1 and 2: every width of the grid trained at each lr of lr_sweep.lrs on one pair.

LR_SWEEP = config["lr_sweep"]
# The sweep uses the grid's widths, seeds, split and protocol, so at the grid's own lr its models
# are the grid's models (tests/test_lr_sweep.py): when the sweep pair is in the grid, that lr is
# read from the grid's history instead of being trained a second time (1/6 of the sweep's work).
LR_SWEEP_REUSES_GRID = LR_SWEEP["pair"] in PAIRS and PROTOCOL.lr in LR_SWEEP["lrs"]
LR_SWEEP_TRAINED_LRS = [
    lr for lr in LR_SWEEP["lrs"] if not (LR_SWEEP_REUSES_GRID and lr == PROTOCOL.lr)
]

LR_SWEEP_TARGETS = [
    "results/figures/fig1_lr_sweep.png",
    "results/figures/fig2_lr_heatmap.png",
]


rule lr_sweep_seed:
    """Train every (width, lr) of one seed as one wide bank; the grid's split and protocol, lr varied."""
    input:
        images=POOL_FILES[0],
        labels=POOL_FILES[1],
    output:
        history="results/lr_sweep/{pair}/s{seed}_history.csv",
    params:
        widths=WIDTHS,
        lrs=LR_SWEEP_TRAINED_LRS,
        protocol=PROTOCOL.__dict__,
    threads: 1
    # The longest jobs: start them first, so that they overlap the rest rather than end it.
    priority: 2
    resources:
        mem_mb=2000,
        runtime=60,
    log:
        "results/logs/lr_sweep_seed/{pair}_s{seed}.log",
    benchmark:
        "results/benchmarks/lr_sweep_seed/{pair}_s{seed}.tsv",
    conda:
        "../../envs/lowcap.yaml"
    script:
        "../scripts/lr_sweep_seed.py"


rule lr_sweep_figures:
    """Paper Fig. 1 (F1 and AUC against lr) and Fig. 2 (F1 heatmap, width x lr), final epoch."""
    input:
        expand("results/lr_sweep/{pair}/s{seed}_history.csv", pair=LR_SWEEP["pair"], seed=SEEDS)
        if LR_SWEEP_TRAINED_LRS
        else [],
        histories([LR_SWEEP["pair"]]) if LR_SWEEP_REUSES_GRID else [],
    output:
        curves_png=report(
            "results/figures/fig1_lr_sweep.png",
            caption="../report/fig1.rst",
            category="Learning rate",
        ),
        curves_pdf="results/figures/fig1_lr_sweep.pdf",
        curves_csv="results/figures/fig1_lr_sweep.csv",
        heatmap_png=report(
            "results/figures/fig2_lr_heatmap.png",
            caption="../report/fig2.rst",
            category="Learning rate",
        ),
        heatmap_pdf="results/figures/fig2_lr_heatmap.pdf",
        heatmap_csv="results/figures/fig2_lr_heatmap.csv",
    params:
        protocol_lr=PROTOCOL.lr,
    resources:
        mem_mb=500,
        runtime=10,
    log:
        "results/logs/lr_sweep_figures.log",
    benchmark:
        "results/benchmarks/lr_sweep_figures.tsv",
    conda:
        "../../envs/lowcap.yaml"
    script:
        "../scripts/lr_sweep_figures.py"
