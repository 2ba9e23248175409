# Iterative magnitude pruning with fine-tuning against one-shot pruning (a paper open question):
# results/{study}/imp/, imp_* figures and tables.


rule imp_pair:
    """One-shot, one-shot + fine-tuning and iterative magnitude pruning (IMP) with fine-tuning, per
    layer and global, for every checkpoint of one pair, on a bank of masked models."""
    input:
        unpack(pool_inputs),
        checkpoints=analysis_checkpoints("imp"),
    output:
        out=IMP_TABLE,
    log:
        f"{LOGS}/imp_pair/{{pair}}.log",
    benchmark:
        f"{BENCHMARKS}/imp_pair/{{pair}}.tsv"
    priority: 1
    conda:
        ENV
    threads: 1
    resources:
        mem_mb=3000,
        runtime=30,
    params:
        **job("lowcap.jobs.imp.imp_pair"),
        **imp_params(
            "rate", "rounds", "finetune_epochs", "target_sparsity", "tolerance_points"
        ),
        expected=lambda wc: models([wc.pair], WIDTHS, SEEDS),
        protocol=lambda wc: asdict(study_of(wc).protocol),
    script:
        JOB_SCRIPT


rule imp_figure:
    """F1 against achieved sparsity for one-shot, one-shot + fine-tuning and IMP, one pair."""
    input:
        table_csv=IMP_TABLE,
    output:
        png=report(
            f"{FIGURES}/imp_{{pair}}.png",
            caption="../report/imp.rst",
            category="{study}",
            subcategory="Open questions",
        ),
        pdf=f"{FIGURES}/imp_{{pair}}.pdf",
        csv=f"{FIGURES}/imp_{{pair}}.csv",
    log:
        f"{LOGS}/imp_figure/{{pair}}.log",
    conda:
        ENV
    resources:
        mem_mb=500,
        runtime=10,
    params:
        **job("lowcap.jobs.imp_figures.imp_figure"),
        **imp_params("tolerance_points", "finetune_epochs"),
        figure_labels=figure_labels,
        grid=imp_grid,
    script:
        JOB_SCRIPT


rule imp_recovery_figure:
    """Does fine-tuning recover: IMP's F1 before and after each round's fine-tuning, and the
    control's, every pair."""
    input:
        tables=lambda wc: expand(IMP_TABLE, study=wc.study, pair=study_of(wc).pairs),
    output:
        png=report(
            f"{FIGURES}/imp_recovery.png",
            caption="../report/imp_recovery.rst",
            category="{study}",
            subcategory="Open questions",
        ),
        pdf=f"{FIGURES}/imp_recovery.pdf",
        csv=f"{FIGURES}/imp_recovery.csv",
    log:
        f"{LOGS}/imp_recovery_figure.log",
    conda:
        ENV
    resources:
        mem_mb=500,
        runtime=10,
    params:
        **job("lowcap.jobs.imp_figures.imp_recovery_figure"),
        **imp_params("finetune_epochs"),
        figure_labels=figure_labels,
        pairs=lambda wc: list(study_of(wc).pairs),
        grid=imp_grid,
    script:
        JOB_SCRIPT


rule imp_max_sparsity_table:
    """The highest sparsity each method reaches within the tolerance of the dense F1."""
    input:
        tables=lambda wc: expand(IMP_TABLE, study=wc.study, pair=study_of(wc).pairs),
    output:
        csv=report(
            f"{TABLES}/imp_max_sparsity.csv",
            caption="../report/imp_max_sparsity.rst",
            category="{study}",
            subcategory="Open questions",
        ),
        md=f"{TABLES}/imp_max_sparsity.md",
    log:
        f"{LOGS}/imp_max_sparsity_table.log",
    conda:
        ENV
    resources:
        mem_mb=500,
        runtime=10,
    params:
        **job("lowcap.jobs.imp.imp_max_sparsity_table"),
        **imp_params("tolerance_points", "finetune_epochs"),
        pairs=lambda wc: list(study_of(wc).pairs),
        grid=imp_grid,
    script:
        JOB_SCRIPT
