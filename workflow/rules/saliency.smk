# Paper Fig. 8: saliency maps of one model, dense and magnitude-pruned.
rule saliency_cases:
    """Both saliency methods on the Fig. 8 images, under the dense model and its pruned copy."""
    input:
        unpack(pool_inputs),
        checkpoint=lambda wc: CHECKPOINT.format(
            study=wc.study, **dict(zip(["pair", "width", "seed"], saliency_model(wc)))
        ),
    output:
        maps="results/{study}/saliency/maps.npz",
        cases="results/{study}/saliency/cases.csv",
    log:
        f"{LOGS}/saliency_cases.log",
    benchmark:
        f"{BENCHMARKS}/saliency_cases.tsv"
    conda:
        ENV
    threads: 1
    resources:
        mem_mb=2000,
        runtime=20,
    params:
        **job("lowcap.jobs.saliency.saliency_cases"),
        expected=saliency_model,
        sparsity=lambda wc: study_of(wc).saliency.sparsity,
        scope=lambda wc: study_of(wc).saliency.scope,
        epsilon=lambda wc: study_of(wc).saliency.epsilon,
    script:
        JOB_SCRIPT


rule saliency_figure:
    """Paper Fig. 8: input, epsilon saliency and gradient saliency per case."""
    input:
        cases=rules.saliency_cases.output.cases,
        maps=rules.saliency_cases.output.maps,
    output:
        png=report(
            f"{FIGURES}/fig8_saliency.png",
            caption="../report/fig8.rst",
            category="{study}",
            subcategory="Saliency",
        ),
        pdf=f"{FIGURES}/fig8_saliency.pdf",
        csv=f"{FIGURES}/fig8_saliency.csv",
    log:
        f"{LOGS}/saliency_figure.log",
    benchmark:
        f"{BENCHMARKS}/saliency_figure.tsv"
    conda:
        ENV
    resources:
        mem_mb=500,
        runtime=10,
    params:
        **job("lowcap.jobs.saliency_figures.saliency_figure"),
        figure_labels=figure_labels,
    script:
        JOB_SCRIPT
