# The claims check (results/claims.md): every claim of the paper, measured per study.


rule logistic_baseline:
    """No hidden layer: logistic regression on every (pair, seed) split of a study."""
    input:
        unpack(pool_inputs),
    output:
        out=f"{TABLES}/logistic_baseline.csv",
    log:
        f"{LOGS}/logistic_baseline.log",
    benchmark:
        f"{BENCHMARKS}/logistic_baseline.tsv"
    conda:
        ENV
    threads: 1
    resources:
        mem_mb=2000,
        runtime=20,
    params:
        **job("lowcap.jobs.baseline.logistic_baseline"),
        pairs=lambda wc: list(study_of(wc).pairs),
        seeds=SEEDS,
    script:
        JOB_SCRIPT


rule claims_table:
    """Every claim of the paper, measured per study, with an interval and a verdict."""
    input:
        claims_inputs_flat,
    output:
        csv=report(
            "results/claims.csv", caption="../report/claims.rst", category="Claims"
        ),
        md="results/claims.md",
        rst="results/claims.rst",
    log:
        "results/logs/claims_table.log",
    benchmark:
        "results/benchmarks/claims_table.tsv"
    conda:
        ENV
    resources:
        mem_mb=1000,
        runtime=10,
    params:
        **job("lowcap.jobs.claims.claims_table"),
        studies=claims_studies,
        rules=lambda wc: SETTINGS.claims,
    script:
        JOB_SCRIPT


rule verdict_matrix:
    """Claims x studies coloured by verdict; the report's first page around it and the full
    claims table as a page of its own."""
    input:
        claims_csv=rules.claims_table.output.csv,
        claims_rst=rules.claims_table.output.rst,
    output:
        png=report(
            "results/figures/verdict_matrix.png",
            caption="../report/verdict_matrix.rst",
            category="Claims",
        ),
        pdf="results/figures/verdict_matrix.pdf",
        csv="results/figures/verdict_matrix.csv",
        html=report(
            "results/claims.html",
            caption="../report/claims_html.rst",
            category="Claims",
        ),
        home="results/report_home.rst",
    log:
        "results/logs/verdict_matrix.log",
    conda:
        ENV
    resources:
        mem_mb=500,
        runtime=10,
    params:
        **job("lowcap.jobs.claims_figures.verdict_matrix"),
        studies=lambda wc: list(SETTINGS.studies),
        confidence=lambda wc: SETTINGS.claims["confidence"],
    script:
        JOB_SCRIPT


rule budget_figure:
    """Minimum width per pair against the training budget (the budget studies and their base)."""
    input:
        tables=budget_inputs,
    output:
        png=report(
            "results/figures/budget_min_width.png",
            caption="../report/budget.rst",
            category="Claims",
        ),
        pdf="results/figures/budget_min_width.pdf",
        csv="results/figures/budget_min_width.csv",
    log:
        "results/logs/budget_figure.log",
    conda:
        ENV
    resources:
        mem_mb=500,
        runtime=10,
    params:
        **job("lowcap.jobs.capacity_figures.budget_figure"),
        studies=lambda wc: list(SETTINGS.budget),
        epochs=lambda wc: [SETTINGS.study(s).protocol.epochs for s in SETTINGS.budget],
        pairs=lambda wc: list(SETTINGS.study(SETTINGS.budget[0]).pairs),
        split=SETTINGS.claims["capacity_split"],
        stat=SETTINGS.claims["capacity_statistic"],
    script:
        JOB_SCRIPT


rule findings:
    """The detail behind the claims table, generated: the tables the README quotes."""
    input:
        findings_inputs,
    output:
        md="results/findings.md",
    log:
        "results/logs/findings.log",
    conda:
        ENV
    resources:
        mem_mb=1000,
        runtime=10,
    params:
        **job("lowcap.jobs.claims.findings"),
        studies=findings_studies,
        budget=findings_budget,
        rules=lambda wc: SETTINGS.claims,
    script:
        JOB_SCRIPT
