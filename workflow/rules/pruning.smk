# One-shot magnitude pruning (paper Fig. 4, B.1-B.4) and dead neurons (paper Table 1), for every
# pruning scheme of the study side by side: results/{study}/pruning/{scheme}/, fig4_{scheme}_*.


rule pruning_pair:
    """Every checkpoint of one pair pruned once by weight magnitude at every level of a scheme, no
    retraining; achieved sparsity, validation loss/F1/AUC and dead units. Level 0 is unpruned.
    The null (random_* columns): each checkpoint pruned at random, as many weights per layer, seeded.
    """
    input:
        unpack(pool_inputs),
        checkpoints=pair_checkpoints,
    output:
        out=PRUNING_TABLE,
    log:
        f"{LOGS}/pruning_pair/{{scheme}}/{{pair}}.log",
    benchmark:
        f"{BENCHMARKS}/pruning_pair/{{scheme}}/{{pair}}.tsv"
    conda:
        ENV
    threads: 1
    resources:
        mem_mb=2000,
        runtime=20,
    params:
        **job("lowcap.jobs.pruning.pruning_pair"),
        expected=lambda wc: models([wc.pair], study_of(wc).widths, SEEDS),
        # The dead-neuron level is evaluated even when it is not one of the scheme's levels.
        levels=lambda wc: list(study_of(wc).pruning_levels(wc.scheme)),
        scope=lambda wc: scheme_of(wc).scope,
        layers_to_ignore=lambda wc: list(scheme_of(wc).layers_to_ignore),
    script:
        JOB_SCRIPT


rule pruning_figures:
    """Paper Fig. 4 (4-9), B.1-B.4: % change in F1 and AUC, and F1, against sparsity, per width."""
    input:
        table_csv=PRUNING_TABLE,
    output:
        **{
            f"{kind}_{ext}": (
                report(
                    f"{FIGURES}/fig4_{{scheme}}_{kind}_{{pair}}.png",
                    caption=f"../report/fig4_{kind}.rst",
                    category="{study}",
                    subcategory="Pruning ({scheme})",
                )
                if ext == "png"
                else f"{FIGURES}/fig4_{{scheme}}_{kind}_{{pair}}.{ext}"
            )
            for kind in PRUNING_FIGURE_KINDS
            for ext in ("png", "pdf", "csv")
        },
    log:
        f"{LOGS}/pruning_figures/{{scheme}}/{{pair}}.log",
    benchmark:
        f"{BENCHMARKS}/pruning_figures/{{scheme}}/{{pair}}.tsv"
    conda:
        ENV
    resources:
        mem_mb=500,
        runtime=10,
    params:
        **job("lowcap.jobs.pruning_figures.pruning_figures"),
        caption={"success_f1": SUCCESS_F1},
        figure_labels=figure_labels,
        levels=lambda wc: list(scheme_of(wc).levels),
        grid=lambda wc: pruning_grid(wc, wc.scheme),
    script:
        JOB_SCRIPT


rule max_sparsity_table:
    """Highest sparsity at which each (pair, width) keeps F1 > 0.90 on every seed, for a scheme."""
    input:
        tables=lambda wc: expand(
            PRUNING_TABLE, study=wc.study, scheme=wc.scheme, pair=study_of(wc).pairs
        ),
    output:
        csv=report(
            f"{TABLES}/max_sparsity_{{scheme}}.csv",
            caption="../report/max_sparsity.rst",
            category="{study}",
            subcategory="Pruning ({scheme})",
        ),
        md=f"{TABLES}/max_sparsity_{{scheme}}.md",
    log:
        f"{LOGS}/max_sparsity_table/{{scheme}}.log",
    benchmark:
        f"{BENCHMARKS}/max_sparsity_table/{{scheme}}.tsv"
    conda:
        ENV
    resources:
        mem_mb=500,
        runtime=10,
    params:
        **job("lowcap.jobs.pruning.max_sparsity_table"),
        caption=lambda wc: {"success_f1": SUCCESS_F1, "scope": scheme_of(wc).scope},
        architecture=lambda wc: study_of(wc).architecture,
        levels=lambda wc: list(scheme_of(wc).levels),
        pairs=lambda wc: list(study_of(wc).pairs),
        grid=lambda wc: pruning_grid(wc, wc.scheme),
    script:
        JOB_SCRIPT


rule dead_neurons_table:
    """Paper Table 1: dead hidden units (CNN: channels) before and after pruning, every checkpoint,
    paper rows first."""
    input:
        tables=lambda wc: expand(
            PRUNING_TABLE,
            study=wc.study,
            scheme=study_of(wc).dead_neurons.scheme,
            pair=study_of(wc).pairs,
        ),
    output:
        csv=report(
            f"{TABLES}/dead_neurons.csv",
            caption="../report/dead_neurons.rst",
            category="{study}",
            subcategory="Pruning",
        ),
        md=f"{TABLES}/dead_neurons.md",
    log:
        f"{LOGS}/dead_neurons_table.log",
    benchmark:
        f"{BENCHMARKS}/dead_neurons_table.tsv"
    conda:
        ENV
    resources:
        mem_mb=500,
        runtime=10,
    params:
        **job("lowcap.jobs.pruning.dead_neurons_table"),
        caption=lambda wc: {"scheme": study_of(wc).dead_neurons.scheme},
        architecture=lambda wc: study_of(wc).architecture,
        sparsity=lambda wc: study_of(wc).dead_neurons.sparsity,
        paper_rows=lambda wc: [list(r) for r in study_of(wc).dead_neurons.paper_rows],
        pairs=lambda wc: list(study_of(wc).pairs),
        grid=lambda wc: pruning_grid(wc, study_of(wc).dead_neurons.scheme),
    script:
        JOB_SCRIPT
