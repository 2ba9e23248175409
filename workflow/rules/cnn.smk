# The convolutional baseline (issue 11): CNN studies (architecture: cnn) train here; their
# capacity, pruning and robustness jobs are the MLP studies' rules. The comparison with the MLP
# study of the same protocol is results/figures/mlp_vs_cnn_{study}.png.


rule train_cnn_pair:
    """Train every channel count and seed of one pair of a CNN study (one bank per seed)."""
    input:
        unpack(pool_inputs),
    output:
        checkpoints=expand(
            CHECKPOINT,
            study="{study}",
            pair="{pair}",
            width=CNN_CHANNELS,
            seed=SEEDS,
        ),
        history=HISTORY,
    log:
        f"{LOGS}/train_cnn_pair/{{pair}}.log",
    benchmark:
        f"{BENCHMARKS}/train_cnn_pair/{{pair}}.tsv"
    wildcard_constraints:
        study=CNN_STUDIES,
    priority: 1
    conda:
        ENV
    threads: 1
    resources:
        mem_mb=2000,
        runtime=60,
    params:
        **job("lowcap.jobs.cnn.train_cnn_pair"),
        study=study_info,
        seeds=SEEDS,
        channels=CNN_CHANNELS,
        protocol=lambda wc: asdict(study_of(wc).protocol),
    script:
        JOB_SCRIPT


rule mlp_vs_cnn:
    """A CNN study against the MLP study of the same protocol: F1 against parameters per pair, and
    the minimum capacity in width and in parameters, and the highest sparsity kept, per pair.
    """
    input:
        comparison_inputs,
    output:
        png=report(
            f"{COMPARISON}.png",
            caption="../report/mlp_vs_cnn.rst",
            category="MLP against CNN",
        ),
        pdf=f"{COMPARISON}.pdf",
        csv=f"{COMPARISON}.csv",
        table_csv=report(
            f"{COMPARISON_TABLE}.csv",
            caption="../report/mlp_vs_cnn.rst",
            category="MLP against CNN",
        ),
        table_md=f"{COMPARISON_TABLE}.md",
    log:
        "results/logs/mlp_vs_cnn/{study}.log",
    benchmark:
        f"{BENCHMARKS}/mlp_vs_cnn.tsv"
    wildcard_constraints:
        study=CNN_STUDIES,
    conda:
        ENV
    resources:
        mem_mb=500,
        runtime=10,
    params:
        **job("lowcap.jobs.compare_figures.mlp_vs_cnn"),
        mlp=lambda wc: comparison_study(SETTINGS.cnn_comparisons[wc.study]),
        cnn=lambda wc: comparison_study(wc.study),
        pairs=lambda wc: list(study_of(wc).pairs),
        split=SETTINGS.claims["capacity_split"],
        stat=SETTINGS.claims["capacity_statistic"],
    script:
        JOB_SCRIPT
