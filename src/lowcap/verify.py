"""Find every output that is missing, damaged or not what was recorded, and rebuild exactly those.

`python3 -m lowcap.verify [--rebuild] [--cores N] [--target T ...] [CONFIGFILE ...]`, from the directory snakemake
runs in, with the run's config files. Snakemake (9.27) rebuilds a deleted or damaged file only if
something it is asked for is older than it: when the files made from it are up to date it reports
"Nothing to be done". So this checks, per configured study:
- every figure and table that results/{study}/study.yaml records: present, with the recorded sha256;
- every checkpoint of the grid: present and loadable (a truncated or foreign file is not);
- every intermediate table (training histories; pruning, robustness, IMP, mutual-information and
  saliency-shift tables): present and holding its complete grid (lowcap.core.tables.read_table).
It prints what it found and the snakemake command that reruns the jobs writing those files (and
what is made from them); --rebuild runs it.
"""

from __future__ import annotations

import hashlib
import subprocess
import sys
from pathlib import Path

import yaml

from lowcap.core.settings import ConfigError, Settings, Study, load_settings, merge_files

REPO = Path(__file__).resolve().parents[2]


def recorded_problems(study: str, root: Path) -> list[tuple[str, str]]:
    """(path, why) for each output study.yaml records that is missing or differs from its sha256."""
    manifest = root / "results" / study / "study.yaml"
    if not manifest.exists():
        return []  # the study was never completed: snakemake builds whatever is missing
    try:
        recorded = yaml.safe_load(manifest.read_text())["outputs"]
    except (yaml.YAMLError, KeyError, TypeError):
        return [(str(manifest.relative_to(root)), "unreadable")]
    out = []
    for name, sha in recorded.items():
        path = root / name
        if not path.exists():
            out.append((name, "missing"))
        elif hashlib.sha256(path.read_bytes()).hexdigest() != sha:
            out.append((name, f"differs from the sha256 in {manifest.relative_to(root)}"))
    return out


def _built(study: Study, root: Path) -> bool:
    """Whether the study was completed once: then a missing intermediate was deleted, and
    snakemake would not rebuild it while the files made from it are up to date."""
    return (root / "results" / study.name / "study.yaml").exists()


def checkpoint_problems(study: Study, root: Path) -> list[tuple[str, str]]:
    """(path, why) for each checkpoint of the study's grid that is missing or does not load."""
    from lowcap.core.model import CheckpointError, load_checkpoint

    out = []
    for pair in study.pairs:
        for width in study.widths:
            for seed in study.seeds:
                name = f"results/{study.name}/checkpoints/{pair}/w{width}_s{seed}.pt"
                if not (root / name).exists():
                    out += [(name, "missing")] if _built(study, root) else []
                    continue
                try:
                    load_checkpoint(root / name)
                except CheckpointError as err:
                    out.append((name, str(err).split(". Delete it")[0]))
    return out


def table_readers(study: Study) -> list[tuple[str, object]]:
    """(path, checked reader) of every intermediate table the study's analyses write, each read
    against the complete grid its rule computes (workflow/rules/*.smk: pruning_grid,
    saliency_shift_grid; imp_pair and mutual_info_pair: every width and seed)."""
    from lowcap.analyses import capacity, imp_tables, pruning_tables, robustness_tables
    from lowcap.analyses.mutual_info_tables import read_units
    from lowcap.analyses.saliency_shift_tables import read_shift

    base, widths, seeds = f"results/{study.name}", list(study.widths), list(study.seeds)
    found = [(f"{base}/metrics/{pair}.csv", lambda path, pair=pair: capacity.check_grid(
        capacity.read_histories([path]), [pair], widths, seeds, str(path))) for pair in study.pairs]
    analyses, shift = study.analyses, study.robustness
    if "pruning" in analyses:
        found += [(f"{base}/pruning/{scheme.name}/{pair}.csv", lambda path, pair=pair, grid={
            "widths": widths, "seeds": seeds, "scope": scheme.scope, "levels": list(study.pruning_levels(scheme.name))}:
            pruning_tables.read_tables([path], [pair], grid)) for scheme in study.pruning for pair in study.pairs]
    if "robustness" in analyses:
        found += [(f"{base}/robustness/{pair}.csv", lambda path, pair=pair: robustness_tables.read_results(
            path, pair, shift.widths, seeds, shift.noise_sigmas)) for pair in shift.pairs]
    if "imp" in analyses:
        settings = {"rate": study.imp.rate, "rounds": study.imp.rounds, "target_sparsity": study.imp.target_sparsity}
        found += [(f"{base}/imp/{pair}.csv", lambda path, pair=pair: imp_tables.read_table_of(
            path, pair, widths, seeds, settings)) for pair in study.pairs]
    if "mutual_info" in analyses:
        found += [(f"{base}/mutual_info/{pair}.csv", lambda path, pair=pair: read_units(
            str(path), pair, widths, seeds)) for pair in study.pairs]
    if "saliency_shift" in analyses:
        grid = {"widths": list(shift.widths), "seeds": seeds, "sigmas": list(shift.noise_sigmas)}
        found += [(f"{base}/saliency_shift/{pair}.csv", lambda path, pair=pair: read_shift(
            str(path), pair, grid)) for pair in shift.pairs]
    return found


def table_problems(study: Study, root: Path) -> list[tuple[str, str]]:
    """(path, why) for each intermediate table (table_readers) that does not hold its complete
    grid, or is missing from a study that was completed once."""
    from lowcap.core.tables import TableError

    out: list[tuple[str, str]] = []
    for name, read in table_readers(study):
        if not (root / name).exists():
            out.extend([(name, "missing")] if _built(study, root) else [])
            continue
        try:
            read(root / name)
        except (TableError, ValueError) as err:
            out.append((name, str(err)))
    return out


def problems(settings: Settings, root: Path) -> list[tuple[str, str]]:
    found = []
    for study in settings.studies.values():
        found += recorded_problems(study.name, root)
        found += checkpoint_problems(study, root)
        found += table_problems(study, root)
    return found


def rebuild_command(paths: list[str], configfiles: list[str], cores: int, targets: list[str] = ()) -> list[str]:
    """snakemake, forcing the jobs that write `paths` (and so those made from them), on `targets`
    (the default target without). --configfile comes last: it takes every value after it."""
    command = [sys.executable, "-m", "snakemake", "--snakefile", str(REPO / "Snakefile"), "--cores", str(cores),
               "--rerun-incomplete", "--forcerun", *paths]
    command += ["--configfile", *configfiles] if configfiles else []
    # Targets after "--": --forcerun and --configfile take every value that follows them.
    return command + (["--", *targets] if targets else [])


# CLI flags with which snakemake neither locks the directory nor runs a job (dry runs only warn).
NOT_LOCKING = ("dryrun", "nolock", "unlock", "lint", "report", "list_rules", "list_target_rules", "print_compilation",
               "dag", "rulegraph", "filegraph", "d3dag", "containerize", "generate_unit_tests", "cleanup_metadata",
               "conda_cleanup_envs", "conda_create_envs_only", "list_conda_envs", "cleanup_shadow",
               "container_cleanup_images", "list_changes", "list_input_changes", "list_params_changes",
               "list_untracked", "summary", "detailed_summary", "archive", "delete_all_output",
               "delete_temp_output", "list_resources")


def will_lock(argv: list[str]) -> bool:
    """Whether `snakemake ARGV` (this process's command line) locks the working directory, read
    with snakemake's own parser; False when ARGV is not a snakemake command line."""
    from snakemake.cli import get_argument_parser

    if "snakemake" not in Path(argv[0]).as_posix():
        return False  # the API called from other code: it decides about locks itself
    try:
        args, _ = get_argument_parser().parse_known_args(argv[1:])
    except (SystemExit, Exception):
        return False
    return not any(getattr(args, flag, False) for flag in NOT_LOCKING)


def _ancestors() -> set[int]:
    import os

    pids, pid = {os.getpid()}, os.getpid()
    while pid > 1:
        try:
            pid = int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            break
        pids.add(pid)
    return pids


def snakemake_processes_in(directory: Path) -> list[int]:
    """Ids of the other live snakemake processes (and their jobs' scripts) working in
    `directory`, from /proc (empty where there is none, or no /proc)."""
    own, found = _ancestors(), []
    for proc in Path("/proc").glob("[0-9]*"):
        try:
            if int(proc.name) in own or Path(proc / "cwd").resolve() != directory.resolve():
                continue
            if b"snakemake" in (proc / "cmdline").read_bytes():
                found.append(int(proc.name))
        except (OSError, ValueError):
            continue
    return sorted(found)


def lock_message(directory: Path) -> str | None:
    """What to do when `directory` holds snakemake's lock files, said before snakemake's own
    IncompleteFilesException could suggest --rerun-incomplete for files a running run is still
    writing; None when it holds none."""
    locks = directory / ".snakemake" / "locks"
    if not locks.is_dir() or not any(locks.glob("*.lock")):
        return None
    running = snakemake_processes_in(directory)
    if running:
        return (f"{directory} is locked by another snakemake run that is still running "
                f"(process {', '.join(map(str, running))}): wait for it to finish, then run this again. "
                "Its incomplete outputs are files it is still writing: do not unlock the directory or "
                "rerun them while it runs.")
    return (f"{directory} is locked ({locks}), but no snakemake process runs in it: an earlier run "
            "was killed. Run `snakemake --unlock` with the same config files, then this command "
            "again with --rerun-incomplete (the jobs the killed run left unfinished start over).")


def main(argv: list[str] | None = None) -> int:
    import argparse

    parser = argparse.ArgumentParser(prog="python3 -m lowcap.verify", description=__doc__.split("\n")[0])
    parser.add_argument("configfiles", nargs="*", help="the run's --configfile files")
    parser.add_argument("--rebuild", action="store_true", help="run the snakemake command that rebuilds them")
    parser.add_argument("--cores", type=int, default=2)
    parser.add_argument("--target", action="append", default=[], dest="targets",
                        help="a snakemake target (file or rule) to rebuild towards, as the run was asked for; "
                             "repeatable; default: the default target (everything)")
    args = parser.parse_args(argv)
    root = Path.cwd()
    try:
        settings = load_settings(merge_files([REPO / "config.yaml", *args.configfiles]),
                                 REPO / "workflow" / "schemas" / "config.schema.yaml")
    except ConfigError as err:
        print(err, file=sys.stderr)
        return 1
    found = problems(settings, root)
    for path, why in found:
        print(f"{path}: {why}")
    if not found:
        print("every recorded output, checkpoint and intermediate table is complete and as recorded")
        return 0
    command = rebuild_command(sorted({p for p, _ in found}), args.configfiles, args.cores, args.targets)
    print("rebuild with:\n  " + " ".join(["snakemake", *command[3:]]))
    if not args.rebuild:
        return 2
    return subprocess.run(command, cwd=root).returncode


if __name__ == "__main__":
    raise SystemExit(main())
