# lowcap: reproduce Kumar (2025), low-capacity networks on MNIST pairs. See README.md.
import sys
from pathlib import Path

from snakemake.logging import logger
from snakemake.utils import min_version
from snakemake_interface_executor_plugins.settings import ExecMode

from lowcap import scheduler
from lowcap.jobs import warm
from lowcap.core.data import DataError, check_mirror, pool_files
from lowcap.core.settings import ConfigError, load_settings, read_yaml
from lowcap.verify import lock_message, will_lock

min_version("9.0")

# Snakemake's scheduler starts a timer chain per finished job that never ends, so its loop spins
# ever faster and takes cores from the jobs; lowcap.scheduler keeps one timer at a time.
if not scheduler.apply():
    logger.warning(
        "lowcap.scheduler: this Snakemake has no JobScheduler._schedule_reevalutation; not patched"
    )

# A second run in a locked directory is told so first (issue 16): snakemake's own check of
# incomplete files comes before its lock check and would suggest --rerun-incomplete for files the
# running one is still writing. Only the main process of a run that locks checks (not jobs).
if workflow.exec_mode == ExecMode.DEFAULT and will_lock(sys.argv):
    _lock_message = lock_message(Path.cwd())
    if _lock_message:
        raise WorkflowError(_lock_message)

# A YAML error in the defaults, named with its line (Snakemake's own message names neither; it
# reads --configfile files before this code runs: `python3 -m lowcap.core.settings FILE` checks those).
try:
    read_yaml(Path(workflow.basedir) / "config.yaml")
except ConfigError as err:
    raise WorkflowError(str(err)) from None


# The defaults live beside this Snakefile, so it also runs from another directory.
configfile: Path(workflow.basedir) / "config.yaml"


# The report opens on the verdict matrix once it is built (results/report_home.rst, written by
# rule verdict_matrix; short, as Snakemake centres its home page vertically); before that, on
# the workflow's description.
REPORT_FIRST_PAGE = (
    str(Path("results/report_home.rst").resolve())
    if Path("results/report_home.rst").exists()
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
include: "workflow/rules/targets.smk"
include: "workflow/rules/inputs.smk"
include: "workflow/rules/data.smk"
include: "workflow/rules/train.smk"
include: "workflow/rules/capacity.smk"
include: "workflow/rules/lr_sweep.smk"
include: "workflow/rules/pruning.smk"
include: "workflow/rules/robustness.smk"
include: "workflow/rules/tsne.smk"
include: "workflow/rules/saliency.smk"
include: "workflow/rules/imp.smk"
include: "workflow/rules/mutual_info.smk"
include: "workflow/rules/saliency_shift.smk"
include: "workflow/rules/study.smk"
include: "workflow/rules/claims.smk"
include: "workflow/rules/cnn.smk"


# One warm process per local run: each job runs in a fork of it instead of importing torch, pandas
# and matplotlib anew (lowcap.jobs.warm; LOWCAP_WARM=off turns it off).
onstart:
    warm.start(workflow)


onsuccess:
    warm.stop()


onerror:
    warm.stop()


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
        rules.verdict_matrix.output.home,
        rules.findings.output.md,
        rules.budget_figure.output.png if SETTINGS.budget else [],
        comparison_targets(),
