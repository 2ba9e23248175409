# How saliency maps shift under corruption (a paper open question): results/{study}/saliency_shift/,
# saliency_shift_* figures and tables.


rule saliency_shift_pair:
    """Saliency maps (the paper's method and Captum's gradient) on clean, noisy and occluded
    validation images: rank correlation with the clean map, and the F1 drop, per checkpoint.
    """
    input:
        unpack(pool_inputs),
        checkpoints=lambda wc: checkpoint_paths(
            wc.study,
            [wc.pair],
            study_building(wc, "saliency_shift").robustness.widths,
            SEEDS,
        ),
    output:
        out=SALIENCY_SHIFT_TABLE,
    log:
        f"{LOGS}/saliency_shift_pair/{{pair}}.log",
    benchmark:
        f"{BENCHMARKS}/saliency_shift_pair/{{pair}}.tsv"
    conda:
        ENV
    threads: 1
    resources:
        mem_mb=2000,
        runtime=30,
    params:
        **job("lowcap.jobs.saliency_shift.saliency_shift_pair"),
        expected=lambda wc: models([wc.pair], study_of(wc).robustness.widths, SEEDS),
        sigmas=lambda wc: list(study_of(wc).robustness.noise_sigmas),
        occlusion_size=lambda wc: study_of(wc).robustness.occlusion_size,
        n_images=lambda wc: study_of(wc).saliency_shift.n_images,
        epsilon=lambda wc: study_of(wc).saliency_shift.epsilon,
    script:
        JOB_SCRIPT


rule saliency_shift_figure:
    """Rank correlation of clean and corrupted saliency maps against sigma, and shift against F1 drop."""
    input:
        table_csv=SALIENCY_SHIFT_TABLE,
    output:
        png=report(
            f"{FIGURES}/saliency_shift_{{pair}}.png",
            caption="../report/saliency_shift.rst",
            category="{study}",
            subcategory="Open questions",
        ),
        pdf=f"{FIGURES}/saliency_shift_{{pair}}.pdf",
        csv=f"{FIGURES}/saliency_shift_{{pair}}.csv",
    log:
        f"{LOGS}/saliency_shift_figure/{{pair}}.log",
    conda:
        ENV
    resources:
        mem_mb=500,
        runtime=10,
    params:
        **job("lowcap.jobs.saliency_shift_figures.saliency_shift_figure"),
        figure_labels=figure_labels,
        occlusion_size=lambda wc: study_of(wc).robustness.occlusion_size,
        method="gradient",
        grid=lambda wc: saliency_shift_grid(wc),
    script:
        JOB_SCRIPT


rule saliency_shift_table:
    """Does the saliency shift predict the F1 drop? Spearman within pair × width strata over seeds,
    tested by permutation within the strata."""
    input:
        tables=lambda wc: expand(
            SALIENCY_SHIFT_TABLE, study=wc.study, pair=study_of(wc).robustness.pairs
        ),
    output:
        summary_csv=f"{TABLES}/saliency_shift.csv",
        predicts_csv=report(
            f"{TABLES}/saliency_shift_predicts_drop.csv",
            caption="../report/saliency_shift_predicts.rst",
            category="{study}",
            subcategory="Open questions",
        ),
        predicts_md=f"{TABLES}/saliency_shift_predicts_drop.md",
    log:
        f"{LOGS}/saliency_shift_table.log",
    conda:
        ENV
    resources:
        mem_mb=500,
        runtime=10,
    params:
        **job("lowcap.jobs.saliency_shift.saliency_shift_table"),
        pairs=lambda wc: list(study_of(wc).robustness.pairs),
        grid=lambda wc: saliency_shift_grid(wc),
    script:
        JOB_SCRIPT
