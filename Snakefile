# lowcap: reproduce Kumar (2025), low-capacity networks on MNIST pairs. See README.md.
from pathlib import Path

from lowcap.config import ConfigError, check_config, protocol
from lowcap.data import DataError, check_mirror, pool_files


# The defaults live beside this Snakefile, so it also runs from another directory.
configfile: Path(workflow.basedir) / "config.yaml"


# Bad config or a mirror that lacks a needed file stops here, before any job runs.
try:
    check_config(config, Path(workflow.basedir) / "workflow/schemas/config.schema.yaml")
    if config["data"].get("mirror"):
        check_mirror(config["dataset"], config["data"]["pool"], config["data"]["mirror"])
except (ConfigError, DataError) as err:
    raise WorkflowError(str(err)) from None


include: "workflow/rules/common.smk"
include: "workflow/rules/data.smk"
include: "workflow/rules/train.smk"
include: "workflow/rules/capacity.smk"
include: "workflow/rules/lr_sweep.smk"
include: "workflow/rules/pruning.smk"
include: "workflow/rules/robustness.smk"
include: "workflow/rules/tsne.smk"
include: "workflow/rules/saliency.smk"


# Run on the submit host under SLURM: the download needs the internet, `all` does nothing.
localrules:
    all,
    fetch_data,


rule all:
    default_target: True
    input:
        CAPACITY_TARGETS,
        LR_SWEEP_TARGETS,
        PRUNING_TARGETS,
        ROBUSTNESS_TARGETS,
        TSNE_TARGETS,
        SALIENCY_TARGETS,
