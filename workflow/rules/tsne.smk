# Paper Fig. 5: t-SNE of one model's hidden activations on its validation split, dense and pruned.

TSNE = config["tsne"]
# For scale, the same pair and width trained from the grid's other seeds.
TSNE_BASELINE_SEEDS = [s for s in SEEDS if s != TSNE["seed"]]

TSNE_TARGETS = [
    "results/figures/fig5_tsne.png",
    "results/tables/tsne_similarity.csv",
]


rule tsne_activations:
    """Hidden activations, dense and pruned: t-SNE coordinates and kNN overlap / linear CKA."""
    input:
        # Checked only when Fig. 5 is built: a small grid without this model builds the rest.
        checkpoint=lambda wc: grid_model_checkpoints("tsne")[0],
        baselines=lambda wc: grid_model_checkpoints("tsne", TSNE_BASELINE_SEEDS),
        images=POOL_FILES[0],
        labels=POOL_FILES[1],
    output:
        embedding="results/tsne/embedding.csv",
        similarity=report(
            "results/tables/tsne_similarity.csv",
            caption="../report/tsne_similarity.rst",
            category="t-SNE",
        ),
        similarity_md="results/tables/tsne_similarity.md",
    params:
        sparsity=TSNE["sparsity"],
        # The paper's pruning, the same as Fig. 4's (pruning.scope).
        scope=config["pruning"]["scope"],
        perplexity=TSNE["perplexity"],
        k=TSNE["knn_k"],
        random_state=TSNE["random_state"],
    threads: 1
    resources:
        mem_mb=2000,
        runtime=20,
    log:
        "results/logs/tsne_activations.log",
    benchmark:
        "results/benchmarks/tsne_activations.tsv",
    conda:
        "../../envs/lowcap.yaml"
    script:
        "../scripts/tsne_activations.py"


rule tsne_figure:
    """Paper Fig. 5: the dense and pruned activations side by side, coloured by class."""
    input:
        embedding="results/tsne/embedding.csv",
        similarity="results/tables/tsne_similarity.csv",
    output:
        png=report(
            "results/figures/fig5_tsne.png",
            caption="../report/fig5.rst",
            category="t-SNE",
        ),
        pdf="results/figures/fig5_tsne.pdf",
        csv="results/figures/fig5_tsne.csv",
    resources:
        mem_mb=500,
        runtime=10,
    log:
        "results/logs/tsne_figure.log",
    benchmark:
        "results/benchmarks/tsne_figure.tsv",
    conda:
        "../../envs/lowcap.yaml"
    script:
        "../scripts/tsne_figure.py"
