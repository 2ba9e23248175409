rule fetch_data:
    """Copy one IDX file from the dataset's mirror, or download it; verified before it is kept.
    The mirror is not a param: the checksum decides what the bytes are, so pointing the config at
    another copy of the same files reruns nothing."""
    output:
        out=POOL_FILE,
    log:
        "results/logs/fetch_data/{dataset}/{stem}.log",
    benchmark:
        "results/benchmarks/fetch_data/{dataset}/{stem}.tsv"
    wildcard_constraints:
        stem=r"(train|t10k)-(images-idx3|labels-idx1)-ubyte",
    conda:
        ENV
    params:
        **job("lowcap.jobs.data.fetch_data"),
        sha256=lambda wc: SETTINGS.data[wc.dataset].sha256.get(wc.stem),
    script:
        JOB_SCRIPT
