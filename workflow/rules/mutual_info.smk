# Mutual information per hidden unit and what pruning keeps (a paper open question):
# results/{study}/mutual_info/, the mutual_info figure.


rule mutual_info_pair:
    """MI between each hidden unit's activation and the label, every checkpoint of one pair, and
    what one-shot magnitude pruning keeps of each unit."""
    input:
        unpack(pool_inputs),
        checkpoints=analysis_checkpoints("mutual_info"),
    output:
        out=MUTUAL_INFO_TABLE,
    log:
        f"{LOGS}/mutual_info_pair/{{pair}}.log",
    benchmark:
        f"{BENCHMARKS}/mutual_info_pair/{{pair}}.tsv"
    conda:
        ENV
    threads: 1
    resources:
        mem_mb=2000,
        runtime=20,
    params:
        **job("lowcap.jobs.mutual_info.mutual_info_pair"),
        expected=lambda wc: models([wc.pair], WIDTHS, SEEDS),
        sparsity=lambda wc: study_of(wc).mutual_info.sparsity,
        scope=lambda wc: study_of(wc).mutual_info.scope,
        n_neighbors=lambda wc: study_of(wc).mutual_info.n_neighbors,
        random_state=lambda wc: study_of(wc).mutual_info.random_state,
    script:
        JOB_SCRIPT


rule mutual_info_figure:
    """Specialization per network against width and pair, and whether pruning keeps high-MI units."""
    input:
        tables=lambda wc: expand(
            MUTUAL_INFO_TABLE, study=wc.study, pair=study_of(wc).pairs
        ),
    output:
        png=report(
            f"{FIGURES}/mutual_info.png",
            caption="../report/mutual_info.rst",
            category="{study}",
            subcategory="Open questions",
        ),
        pdf=f"{FIGURES}/mutual_info.pdf",
        csv=f"{FIGURES}/mutual_info.csv",
        table_csv=f"{TABLES}/mutual_info.csv",
        table_md=f"{TABLES}/mutual_info.md",
    log:
        f"{LOGS}/mutual_info_figure.log",
    conda:
        ENV
    resources:
        mem_mb=500,
        runtime=10,
    params:
        **job("lowcap.jobs.mutual_info_figures.mutual_info_figure"),
        caption=lambda wc: asdict(study_of(wc).mutual_info),
        figure_labels=figure_labels,
        pairs=lambda wc: list(study_of(wc).pairs),
        widths=WIDTHS,
        seeds=SEEDS,
    script:
        JOB_SCRIPT
