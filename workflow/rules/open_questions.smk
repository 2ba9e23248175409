# The paper's open questions, each a branch of every study: iterative magnitude pruning with
# fine-tuning against one-shot (imp), mutual information per hidden unit (mutual_info), and
# saliency maps under corruption (saliency_shift).


rule imp_pair:
    """One-shot, one-shot + fine-tuning and iterative magnitude pruning (IMP) with fine-tuning, per
    layer and global, for every checkpoint of one pair, on a bank of masked models."""
    input:
        unpack(pool_inputs),
        checkpoints=analysis_checkpoints("imp"),
    output:
        IMP_TABLE,
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
        study=lambda wc: wc.study,
        models=lambda wc: models([wc.pair], WIDTHS, SEEDS),
        protocol=lambda wc: asdict(study_of(wc).protocol),
        imp=lambda wc: asdict(study_of(wc).imp),
        code=code_digest("lowcap.jobs.imp"),
    script:
        "../scripts/imp_pair.py"


rule imp_figure:
    """F1 against achieved sparsity for one-shot, one-shot + fine-tuning and IMP, one pair."""
    input:
        IMP_TABLE,
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
        figure_labels=figure_labels,
        imp=lambda wc: asdict(study_of(wc).imp),
        widths=WIDTHS,
        seeds=SEEDS,
        code=code_digest("lowcap.jobs.imp"),
    script:
        "../scripts/imp_figure.py"


rule imp_summary:
    """Does fine-tuning recover (F1 before and after, per round), and the highest sparsity each
    method reaches within the tolerance of the dense F1."""
    input:
        lambda wc: expand(IMP_TABLE, study=wc.study, pair=study_of(wc).pairs),
    output:
        recovery_png=report(
            f"{FIGURES}/imp_recovery.png",
            caption="../report/imp_recovery.rst",
            category="{study}",
            subcategory="Open questions",
        ),
        recovery_pdf=f"{FIGURES}/imp_recovery.pdf",
        recovery_csv=f"{FIGURES}/imp_recovery.csv",
        table_csv=report(
            f"{TABLES}/imp_max_sparsity.csv",
            caption="../report/imp_max_sparsity.rst",
            category="{study}",
            subcategory="Open questions",
        ),
        table_md=f"{TABLES}/imp_max_sparsity.md",
    log:
        f"{LOGS}/imp_summary.log",
    conda:
        ENV
    resources:
        mem_mb=500,
        runtime=10,
    params:
        figure_labels=figure_labels,
        pairs=lambda wc: list(study_of(wc).pairs),
        imp=lambda wc: asdict(study_of(wc).imp),
        widths=WIDTHS,
        seeds=SEEDS,
        code=code_digest("lowcap.jobs.imp"),
    script:
        "../scripts/imp_summary.py"


rule mutual_info_pair:
    """MI between each hidden unit's activation and the label, every checkpoint of one pair, and
    what one-shot magnitude pruning keeps of each unit."""
    input:
        unpack(pool_inputs),
        checkpoints=analysis_checkpoints("mutual_info"),
    output:
        MUTUAL_INFO_TABLE,
    log:
        f"{LOGS}/mutual_info_pair/{{pair}}.log",
    benchmark:
        f"{BENCHMARKS}/mutual_info_pair/{{pair}}.tsv"
    conda:
        ENV
    threads: 1
    resources:
        mem_mb=2000,
        runtime=20,
    params:
        study=lambda wc: wc.study,
        models=lambda wc: models([wc.pair], WIDTHS, SEEDS),
        mutual_info=lambda wc: asdict(study_of(wc).mutual_info),
        code=code_digest("lowcap.jobs.mutual_info"),
    script:
        "../scripts/mutual_info_pair.py"


rule mutual_info_figure:
    """Specialization per network against width and pair, and whether pruning keeps high-MI units."""
    input:
        lambda wc: expand(MUTUAL_INFO_TABLE, study=wc.study, pair=study_of(wc).pairs),
    output:
        png=report(
            f"{FIGURES}/mutual_info.png",
            caption="../report/mutual_info.rst",
            category="{study}",
            subcategory="Open questions",
        ),
        pdf=f"{FIGURES}/mutual_info.pdf",
        csv=f"{FIGURES}/mutual_info.csv",
        table_csv=f"{TABLES}/mutual_info.csv",
        table_md=f"{TABLES}/mutual_info.md",
    log:
        f"{LOGS}/mutual_info_figure.log",
    conda:
        ENV
    resources:
        mem_mb=500,
        runtime=10,
    params:
        figure_labels=figure_labels,
        pairs=lambda wc: list(study_of(wc).pairs),
        mutual_info=lambda wc: asdict(study_of(wc).mutual_info),
        widths=WIDTHS,
        seeds=SEEDS,
        code=code_digest("lowcap.jobs.mutual_info"),
    script:
        "../scripts/mutual_info_figure.py"


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
        SALIENCY_SHIFT_TABLE,
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
        study=lambda wc: wc.study,
        models=lambda wc: models([wc.pair], study_of(wc).robustness.widths, SEEDS),
        sigmas=lambda wc: list(study_of(wc).robustness.noise_sigmas),
        occlusion_size=lambda wc: study_of(wc).robustness.occlusion_size,
        shift=lambda wc: asdict(study_of(wc).saliency_shift),
        code=code_digest("lowcap.jobs.saliency_shift"),
    script:
        "../scripts/saliency_shift_pair.py"


rule saliency_shift_figure:
    """Rank correlation of clean and corrupted saliency maps against sigma, and shift against F1 drop."""
    input:
        SALIENCY_SHIFT_TABLE,
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
        figure_labels=figure_labels,
        occlusion_size=lambda wc: study_of(wc).robustness.occlusion_size,
        method="gradient",
        grid=lambda wc: saliency_shift_grid(wc),
        code=code_digest("lowcap.jobs.saliency_shift"),
    script:
        "../scripts/saliency_shift_figure.py"


rule saliency_shift_table:
    """Does the saliency shift predict the F1 drop? Spearman within pair × width strata over seeds,
    tested by permutation within the strata."""
    input:
        lambda wc: expand(
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
        pairs=lambda wc: list(study_of(wc).robustness.pairs),
        grid=lambda wc: saliency_shift_grid(wc),
        code=code_digest("lowcap.jobs.saliency_shift"),
    script:
        "../scripts/saliency_shift_table.py"
