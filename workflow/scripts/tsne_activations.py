from lowcap import jobs

with jobs.logged(snakemake.log[0]):
    jobs.tsne_activations(
        images=snakemake.input.images,
        labels=snakemake.input.labels,
        checkpoint=snakemake.input.checkpoint,
        baseline_checkpoints=list(snakemake.input.baselines),
        sparsity=snakemake.params.sparsity,
        scope=snakemake.params.scope,
        perplexity=snakemake.params.perplexity,
        k=snakemake.params.k,
        random_state=snakemake.params.random_state,
        embedding_csv=snakemake.output.embedding,
        similarity_csv=snakemake.output.similarity,
        similarity_md=snakemake.output.similarity_md,
        threads=snakemake.threads,
    )
