from lowcap.jobs import logged
from lowcap.jobs.tsne import tsne_activations

settings = snakemake.params.settings
with logged(snakemake.log[0]):
    tsne_activations(
        images=snakemake.input.images,
        labels=snakemake.input.labels,
        checkpoints=list(snakemake.input.checkpoints),
        expected=snakemake.params.models,
        study=snakemake.params.study,
        sparsity=settings["sparsity"],
        scope=settings["scope"],
        perplexity=settings["perplexity"],
        k=settings["knn_k"],
        random_state=settings["random_state"],
        embedding_csv=snakemake.output.embedding,
        similarity_csv=snakemake.output.similarity,
        similarity_md=snakemake.output.similarity_md,
        threads=snakemake.threads,
    )
