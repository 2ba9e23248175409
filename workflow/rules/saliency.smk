# Paper Fig. 8: saliency maps of one model, dense and magnitude-pruned.

SALIENCY = config["saliency"]
SALIENCY_MODEL = "{pair}_w{width}_s{seed}".format(**SALIENCY)
SALIENCY_TARGETS = ["results/figures/fig8_saliency.png"]


rule saliency_cases:
    """Both saliency methods on the Fig. 8 images, under the dense model and its pruned copy."""
    input:
        images=POOL_FILES[0],
        labels=POOL_FILES[1],
        # Checked only when Fig. 8 is built: a small grid without this model builds the rest.
        checkpoint=lambda wc: grid_model_checkpoints("saliency"),
    output:
        maps=f"results/saliency/{SALIENCY_MODEL}.npz",
        cases=f"results/saliency/{SALIENCY_MODEL}.csv",
    params:
        sparsity=SALIENCY["sparsity"],
        # The paper's pruning, the same as Fig. 4's (pruning.scope).
        scope=config["pruning"]["scope"],
        epsilon=SALIENCY["epsilon"],
    threads: 1
    resources:
        mem_mb=2000,
        runtime=20,
    log:
        f"results/logs/saliency_cases/{SALIENCY_MODEL}.log",
    benchmark:
        f"results/benchmarks/saliency_cases/{SALIENCY_MODEL}.tsv",
    conda:
        "../../envs/lowcap.yaml"
    script:
        "../scripts/saliency_cases.py"


rule saliency_figure:
    """Paper Fig. 8: input, epsilon saliency and gradient saliency per case."""
    input:
        cases=rules.saliency_cases.output.cases,
        maps=rules.saliency_cases.output.maps,
    output:
        png=report(
            "results/figures/fig8_saliency.png",
            caption="../report/fig8.rst",
            category="Saliency",
        ),
        pdf="results/figures/fig8_saliency.pdf",
        csv="results/figures/fig8_saliency.csv",
    resources:
        mem_mb=500,
        runtime=10,
    log:
        "results/logs/saliency_figure.log",
    benchmark:
        "results/benchmarks/saliency_figure.tsv",
    conda:
        "../../envs/lowcap.yaml"
    script:
        "../scripts/saliency_figure.py"
