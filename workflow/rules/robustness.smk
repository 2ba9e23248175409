# Paper Fig. 6, 7 and D.1: F1 under seeded Gaussian noise and random occlusion.

ROBUSTNESS = config["robustness"]
ROBUSTNESS_PAIRS = ROBUSTNESS.get("pairs") or PAIRS
ROBUSTNESS_WIDTHS = ROBUSTNESS.get("widths") or WIDTHS
ROBUSTNESS_EXAMPLE_PAIR = ROBUSTNESS.get("example_pair") or ROBUSTNESS_PAIRS[-1]

for _key, _chosen, _grid in [
    ("robustness.pairs", ROBUSTNESS_PAIRS, PAIRS),
    ("robustness.widths", ROBUSTNESS_WIDTHS, WIDTHS),
    ("robustness.example_pair", [ROBUSTNESS_EXAMPLE_PAIR], ROBUSTNESS_PAIRS),
]:
    if set(_chosen) - set(_grid):
        raise WorkflowError(
            f"config key '{_key}' names {sorted(set(_chosen) - set(_grid))}, not in {_grid}"
        )

ROBUSTNESS_TARGETS = [
    *expand("results/figures/fig6_noise_{pair}.png", pair=ROBUSTNESS_PAIRS),
    *expand("results/figures/fig7_occlusion_{pair}.png", pair=ROBUSTNESS_PAIRS),
    "results/figures/figD1_corruption_examples.png",
]


rule robustness_pair:
    """F1 of every width and seed of one pair on clean, noisy and occluded validation images."""
    input:
        images=POOL_FILES[0],
        labels=POOL_FILES[1],
        checkpoints=lambda wc: checkpoints([wc.pair], ROBUSTNESS_WIDTHS),
    output:
        csv="results/robustness/{pair}.csv",
        example="results/robustness/{pair}_example.npz",
    params:
        sigmas=ROBUSTNESS["noise_sigmas"],
        occlusion_size=ROBUSTNESS["occlusion_size"],
        example_sigma=ROBUSTNESS["example_sigma"],
    threads: 1
    resources:
        mem_mb=2000,
        runtime=20,
    log:
        "results/logs/robustness_pair/{pair}.log",
    benchmark:
        "results/benchmarks/robustness_pair/{pair}.tsv",
    conda:
        "../../envs/lowcap.yaml"
    script:
        "../scripts/robustness_pair.py"


rule robustness_figures:
    """Paper Fig. 6 (F1 against noise sigma) and Fig. 7 (occluded and clean F1) for one pair."""
    input:
        "results/robustness/{pair}.csv",
    output:
        noise_png=report(
            "results/figures/fig6_noise_{pair}.png",
            caption="../report/fig6.rst",
            category="Robustness",
        ),
        noise_pdf="results/figures/fig6_noise_{pair}.pdf",
        noise_csv="results/figures/fig6_noise_{pair}.csv",
        occlusion_png=report(
            "results/figures/fig7_occlusion_{pair}.png",
            caption="../report/fig7.rst",
            category="Robustness",
        ),
        occlusion_pdf="results/figures/fig7_occlusion_{pair}.pdf",
        occlusion_csv="results/figures/fig7_occlusion_{pair}.csv",
    params:
        occlusion_size=ROBUSTNESS["occlusion_size"],
    resources:
        mem_mb=500,
        runtime=10,
    log:
        "results/logs/robustness_figures/{pair}.log",
    benchmark:
        "results/benchmarks/robustness_figures/{pair}.tsv",
    conda:
        "../../envs/lowcap.yaml"
    script:
        "../scripts/robustness_figures.py"


rule corruption_examples_figure:
    """Paper Fig. D.1: one validation image clean, with noise, and occluded."""
    input:
        f"results/robustness/{ROBUSTNESS_EXAMPLE_PAIR}_example.npz",
    output:
        png=report(
            "results/figures/figD1_corruption_examples.png",
            caption="../report/figD1.rst",
            category="Robustness",
        ),
        pdf="results/figures/figD1_corruption_examples.pdf",
        csv="results/figures/figD1_corruption_examples.csv",
    resources:
        mem_mb=500,
        runtime=10,
    log:
        "results/logs/corruption_examples_figure.log",
    benchmark:
        "results/benchmarks/corruption_examples_figure.tsv",
    conda:
        "../../envs/lowcap.yaml"
    script:
        "../scripts/corruption_examples_figure.py"
