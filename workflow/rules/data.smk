rule fetch_data:
    """Copy one IDX file from the dataset's mirror, or download it; verified before it is kept.
    The mirror is not a param: the checksum decides what the bytes are, so pointing the config at
    another copy of the same files reruns nothing."""
    output:
        POOL_FILE,
    log:
        "results/logs/fetch_data/{dataset}/{stem}.log",
    benchmark:
        "results/benchmarks/fetch_data/{dataset}/{stem}.tsv"
    wildcard_constraints:
        stem=r"(train|t10k)-(images-idx3|labels-idx1)-ubyte",
    conda:
        ENV
    params:
        sha256=lambda wc: SETTINGS.data[wc.dataset].sha256.get(wc.stem),
        code=code_digest("lowcap.jobs.data"),
    script:
        "../scripts/fetch_data.py"
