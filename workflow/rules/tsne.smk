# Paper Fig. 5: t-SNE of one model's hidden activations on its validation split, dense and pruned.
rule tsne_activations:
    """Hidden activations, dense and pruned: t-SNE coordinates and kNN overlap / linear CKA."""
    input:
        unpack(pool_inputs),
        checkpoints=lambda wc: [
            CHECKPOINT.format(study=wc.study, pair=p, width=w, seed=s)
            for p, w, s in tsne_models(wc)
        ],
    output:
        embedding="results/{study}/tsne/embedding.csv",
        similarity=report(
            f"{TABLES}/tsne_similarity.csv",
            caption="../report/tsne_similarity.rst",
            category="{study}",
            subcategory="t-SNE",
        ),
        similarity_md=f"{TABLES}/tsne_similarity.md",
    log:
        f"{LOGS}/tsne_activations.log",
    benchmark:
        f"{BENCHMARKS}/tsne_activations.tsv"
    conda:
        ENV
    threads: 1
    resources:
        mem_mb=2000,
        runtime=20,
    params:
        **job("lowcap.jobs.tsne.tsne_activations"),
        expected=tsne_models,
        sparsity=lambda wc: study_of(wc).tsne.sparsity,
        scope=lambda wc: study_of(wc).tsne.scope,
        perplexity=lambda wc: study_of(wc).tsne.perplexity,
        k=lambda wc: study_of(wc).tsne.knn_k,
        random_state=lambda wc: study_of(wc).tsne.random_state,
    script:
        JOB_SCRIPT


rule tsne_figure:
    """Paper Fig. 5: the dense and pruned activations side by side, coloured by class."""
    input:
        embedding=rules.tsne_activations.output.embedding,
        similarity=rules.tsne_activations.output.similarity,
    output:
        png=report(
            f"{FIGURES}/fig5_tsne.png",
            caption="../report/fig5.rst",
            category="{study}",
            subcategory="t-SNE",
        ),
        pdf=f"{FIGURES}/fig5_tsne.pdf",
        csv=f"{FIGURES}/fig5_tsne.csv",
    log:
        f"{LOGS}/tsne_figure.log",
    benchmark:
        f"{BENCHMARKS}/tsne_figure.tsv"
    conda:
        ENV
    resources:
        mem_mb=500,
        runtime=10,
    params:
        **job("lowcap.jobs.tsne_figures.tsne_figure"),
        figure_labels=figure_labels,
        models=tsne_models,
    script:
        JOB_SCRIPT
