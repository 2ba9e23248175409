# lowcap: reproduce Kumar (2025), low-capacity networks on MNIST pairs. See README.md.
from pathlib import Path

from snakemake.utils import min_version

from lowcap.data import DataError, check_mirror, pool_files
from lowcap.settings import ConfigError, load_settings, read_yaml

min_version("9.0")

# A YAML error in the defaults, named with its line (Snakemake's own message names neither; it
# reads --configfile files before this code runs: `python3 -m lowcap.settings FILE` checks those).
try:
    read_yaml(Path(workflow.basedir) / "config.yaml")
except ConfigError as err:
    raise WorkflowError(str(err)) from None


# The defaults live beside this Snakefile, so it also runs from another directory.
configfile: Path(workflow.basedir) / "config.yaml"


# The report opens on the claims table once it is built (results/claims.rst, written by the
# claims job); before that, on the workflow's description.
REPORT_FIRST_PAGE = (
    str(Path("results/claims.rst").resolve())
    if Path("results/claims.rst").exists()
    else "workflow/report/workflow.rst"
)


report: REPORT_FIRST_PAGE


# Bad config or a mirror that lacks a needed file stops here, before any job runs.
try:
    SETTINGS = load_settings(
        config, Path(workflow.basedir) / "workflow/schemas/config.schema.yaml"
    )
    for _study in SETTINGS.studies.values():
        _mirror = SETTINGS.data[_study.dataset].mirror
        if _mirror:
            check_mirror(_study.dataset, _study.pool, _mirror)
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
include: "workflow/rules/open_questions.smk"
include: "workflow/rules/study.smk"
include: "workflow/rules/claims.smk"
include: "workflow/rules/cnn.smk"


# Run on the submit host under SLURM: the download needs the internet, `all` does nothing.
localrules:
    all,
    fetch_data,


rule all:
    """Every study's every figure and table (and its results/{study}/study.yaml), and the claims."""
    default_target: True
    input:
        expand(rules.study_manifest.output[0], study=SETTINGS.studies),
        rules.claims_table.output.md,
        rules.findings.output.md,
        rules.budget_figure.output.png if SETTINGS.budget else [],
        comparison_targets(),
