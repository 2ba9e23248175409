rule fetch_data:
    """Copy one IDX file from data.mirror, or download it; verified before it is kept."""
    output:
        "results/data/{dataset}/{stem}.gz",
    params:
        mirror=config["data"].get("mirror"),
        sha256=lambda wc: config["data"].get("sha256", {}).get(wc.stem),
    log:
        "results/logs/fetch_data/{dataset}/{stem}.log",
    benchmark:
        "results/benchmarks/fetch_data/{dataset}/{stem}.tsv",
    conda:
        "../../envs/lowcap.yaml"
    wildcard_constraints:
        stem=r"(train|t10k)-(images-idx3|labels-idx1)-ubyte",
    script:
        "../scripts/fetch_data.py"
