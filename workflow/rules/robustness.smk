# Paper Fig. 6, 7 and D.1: F1 under seeded Gaussian noise and random occlusion.
rule robustness_pair:
    """F1 of every width and seed of one pair on clean, noisy and occluded validation images."""
    input:
        unpack(pool_inputs),
        checkpoints=lambda wc: checkpoint_paths(
            wc.study, [wc.pair], study_of(wc).robustness.widths, SEEDS
        ),
    output:
        out_csv=ROBUSTNESS_TABLE,
        out_example=ROBUSTNESS_EXAMPLE,
    log:
        f"{LOGS}/robustness_pair/{{pair}}.log",
    benchmark:
        f"{BENCHMARKS}/robustness_pair/{{pair}}.tsv"
    conda:
        ENV
    threads: 1
    resources:
        mem_mb=2000,
        runtime=20,
    params:
        **job("lowcap.jobs.robustness.robustness_pair"),
        expected=lambda wc: models([wc.pair], study_of(wc).robustness.widths, SEEDS),
        sigmas=lambda wc: list(study_of(wc).robustness.noise_sigmas),
        occlusion_size=lambda wc: study_of(wc).robustness.occlusion_size,
        example_sigma=lambda wc: study_of(wc).robustness.example_sigma,
    script:
        JOB_SCRIPT


rule robustness_figures:
    """Paper Fig. 6 (F1 against noise sigma) and Fig. 7 (occluded and clean F1) for one pair."""
    input:
        results_csv=ROBUSTNESS_TABLE,
    output:
        noise_png=report(
            f"{FIGURES}/fig6_noise_{{pair}}.png",
            caption="../report/fig6.rst",
            category="{study}",
            subcategory="Robustness",
        ),
        noise_pdf=f"{FIGURES}/fig6_noise_{{pair}}.pdf",
        noise_csv=f"{FIGURES}/fig6_noise_{{pair}}.csv",
        occlusion_png=report(
            f"{FIGURES}/fig7_occlusion_{{pair}}.png",
            caption="../report/fig7.rst",
            category="{study}",
            subcategory="Robustness",
        ),
        occlusion_pdf=f"{FIGURES}/fig7_occlusion_{{pair}}.pdf",
        occlusion_csv=f"{FIGURES}/fig7_occlusion_{{pair}}.csv",
    log:
        f"{LOGS}/robustness_figures/{{pair}}.log",
    benchmark:
        f"{BENCHMARKS}/robustness_figures/{{pair}}.tsv"
    conda:
        ENV
    resources:
        mem_mb=500,
        runtime=10,
    params:
        **job("lowcap.jobs.robustness_figures.robustness_figures"),
        figure_labels=figure_labels,
        occlusion_size=lambda wc: study_of(wc).robustness.occlusion_size,
        # The rows the table must hold: a short one stops the job (robustness_tables.read_results).
        grid=lambda wc: {
            "widths": list(study_of(wc).robustness.widths),
            "seeds": SEEDS,
            "sigmas": list(study_of(wc).robustness.noise_sigmas),
        },
    script:
        JOB_SCRIPT


rule corruption_examples_figure:
    """Paper Fig. D.1: one validation image clean, with noise, and occluded."""
    input:
        example_npz=lambda wc: ROBUSTNESS_EXAMPLE.format(
            study=wc.study, pair=study_of(wc).robustness.example_pair
        ),
    output:
        png=report(
            f"{FIGURES}/figD1_corruption_examples.png",
            caption="../report/figD1.rst",
            category="{study}",
            subcategory="Robustness",
        ),
        pdf=f"{FIGURES}/figD1_corruption_examples.pdf",
        csv=f"{FIGURES}/figD1_corruption_examples.csv",
    log:
        f"{LOGS}/corruption_examples_figure.log",
    benchmark:
        f"{BENCHMARKS}/corruption_examples_figure.tsv"
    conda:
        ENV
    resources:
        mem_mb=500,
        runtime=10,
    params:
        **job("lowcap.jobs.robustness_figures.corruption_examples_figure"),
        figure_labels=figure_labels,
    script:
        JOB_SCRIPT
