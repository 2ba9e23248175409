# Paper Fig. 3, the minimum-capacity table, and Fig. A.1-A.5.
rule capacity_summary:
    """Paper Fig. 3 (best F1 against width, training and validation split) and the minimum-capacity
    table: one job, as all three read every history and take a second between them."""
    input:
        # Not read (so not named): asking for them reruns training when a width or seed is added.
        lambda wc: checkpoint_paths(
            wc.study, study_of(wc).pairs, study_of(wc).widths, SEEDS
        ),
        histories=lambda wc: expand(HISTORY, study=wc.study, pair=study_of(wc).pairs),
    output:
        train_png=report(
            f"{FIGURES}/fig3_capacity_train.png",
            caption="../report/fig3.rst",
            category="{study}",
            subcategory="Capacity",
        ),
        train_pdf=f"{FIGURES}/fig3_capacity_train.pdf",
        train_csv=f"{FIGURES}/fig3_capacity_train.csv",
        val_png=report(
            f"{FIGURES}/fig3_capacity_val.png",
            caption="../report/fig3.rst",
            category="{study}",
            subcategory="Capacity",
        ),
        val_pdf=f"{FIGURES}/fig3_capacity_val.pdf",
        val_csv=f"{FIGURES}/fig3_capacity_val.csv",
        table_csv=report(
            f"{TABLES}/min_capacity.csv",
            caption="../report/min_capacity.rst",
            category="{study}",
            subcategory="Capacity",
        ),
        table_md=f"{TABLES}/min_capacity.md",
    log:
        f"{LOGS}/capacity_summary.log",
    benchmark:
        f"{BENCHMARKS}/capacity_summary.tsv"
    conda:
        ENV
    resources:
        mem_mb=500,
        runtime=10,
    params:
        **job("lowcap.jobs.capacity_figures.capacity_summary"),
        figure_labels=figure_labels,
        pairs=lambda wc: list(study_of(wc).pairs),
        widths=lambda wc: list(study_of(wc).widths),
        seeds=SEEDS,
        epochs=lambda wc: study_of(wc).protocol.epochs,
        success_f1=SUCCESS_F1,
    script:
        JOB_SCRIPT


rule training_curves_figure:
    """Paper Fig. A.1-A.5: F1 and loss against epoch for one pair."""
    input:
        # Not read (so not named): asking for them reruns training when a width or seed is added.
        pair_checkpoints,
        history=HISTORY,
    output:
        png=report(
            f"{FIGURES}/figA_curves_{{pair}}.png",
            caption="../report/figA.rst",
            category="{study}",
            subcategory="Training curves",
        ),
        pdf=f"{FIGURES}/figA_curves_{{pair}}.pdf",
        csv=f"{FIGURES}/figA_curves_{{pair}}.csv",
    log:
        f"{LOGS}/training_curves_figure/{{pair}}.log",
    benchmark:
        f"{BENCHMARKS}/training_curves_figure/{{pair}}.tsv"
    conda:
        ENV
    resources:
        mem_mb=500,
        runtime=10,
    params:
        **job("lowcap.jobs.capacity_figures.training_curves_figure"),
        figure_labels=figure_labels,
        widths=lambda wc: list(study_of(wc).widths),
        seeds=SEEDS,
        epochs=lambda wc: study_of(wc).protocol.epochs,
    script:
        JOB_SCRIPT
