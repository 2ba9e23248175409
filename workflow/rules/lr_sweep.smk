# Paper Fig. 1 and 2: every width of the grid trained at each lr of lr_sweep.lrs on one pair.
#
# The sweep uses the grid's widths, seeds, split and protocol, so at the study's own lr its models
# are the grid's models (tests/test_lr_sweep.py): when the sweep pair is one of the study's pairs,
# that lr is read from the grid's history instead of being trained again (1/6 of the sweep).
rule lr_sweep_seed:
    """Train every (width, lr) of one seed as one wide bank; the grid's split and protocol, lr varied."""
    input:
        unpack(pool_inputs),
    output:
        history=LR_SWEEP_HISTORY,
    log:
        f"{LOGS}/lr_sweep_seed/{{pair}}_s{{seed}}.log",
    benchmark:
        f"{BENCHMARKS}/lr_sweep_seed/{{pair}}_s{{seed}}.tsv"
    # The longest jobs: start them first, so that they overlap the rest rather than end it.
    priority: 2
    conda:
        ENV
    threads: 1
    resources:
        mem_mb=2000,
        runtime=60,
    params:
        **job("lowcap.jobs.lr_sweep.lr_sweep_seed"),
        widths=WIDTHS,
        lrs=lambda wc: sweep_trained_lrs(study_of(wc)),
        protocol=lambda wc: asdict(study_of(wc).protocol),
    script:
        JOB_SCRIPT


rule lr_sweep_figures:
    """Paper Fig. 1 (F1 and AUC against lr) and Fig. 2 (F1 heatmap, width x lr), final epoch."""
    input:
        # Not read (so not named): asking for them reruns training when a width or seed is added.
        lr_sweep_grid_checkpoints,
        histories=lr_sweep_histories,
    output:
        curves_png=report(
            f"{FIGURES}/fig1_lr_sweep.png",
            caption="../report/fig1.rst",
            category="{study}",
            subcategory="Learning rate",
        ),
        curves_pdf=f"{FIGURES}/fig1_lr_sweep.pdf",
        curves_csv=f"{FIGURES}/fig1_lr_sweep.csv",
        heatmap_png=report(
            f"{FIGURES}/fig2_lr_heatmap.png",
            caption="../report/fig2.rst",
            category="{study}",
            subcategory="Learning rate",
        ),
        heatmap_pdf=f"{FIGURES}/fig2_lr_heatmap.pdf",
        heatmap_csv=f"{FIGURES}/fig2_lr_heatmap.csv",
    log:
        f"{LOGS}/lr_sweep_figures.log",
    benchmark:
        f"{BENCHMARKS}/lr_sweep_figures.tsv"
    conda:
        ENV
    resources:
        mem_mb=500,
        runtime=10,
    params:
        **job("lowcap.jobs.lr_sweep_figures.lr_sweep_figures"),
        figure_labels=figure_labels,
        pair=lambda wc: study_of(wc).lr_sweep.pair,
        lrs=lambda wc: list(study_of(wc).lr_sweep.lrs),
        widths=WIDTHS,
        seeds=SEEDS,
        protocol_lr=lambda wc: study_of(wc).protocol.lr,
    script:
        JOB_SCRIPT
