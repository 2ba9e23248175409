from lowcap.jobs import logged
from lowcap.jobs.data import fetch_data

with logged(snakemake.log[0]):
    fetch_data(
        snakemake.wildcards.dataset,
        snakemake.wildcards.stem,
        # Read here, not passed as a param: where the bytes come from is no part of the result.
        snakemake.config["data"][snakemake.wildcards.dataset].get("mirror"),
        snakemake.params.sha256,
        snakemake.output[0],
    )
