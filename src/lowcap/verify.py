"""Find every output that is missing, damaged or not what was recorded, and rebuild exactly those.

`python3 -m lowcap.verify [--rebuild] [--cores N] [CONFIGFILE ...]`, from the directory snakemake
runs in, with the run's config files. Snakemake (9.27) rebuilds a deleted or damaged file only if
something it is asked for is older than it: when the files made from it are up to date it reports
"Nothing to be done". So this checks, per configured study:
- every figure and table that results/{study}/study.yaml records: present, with the recorded sha256;
- every checkpoint of the grid: present and loadable (a truncated or foreign file is not);
- every training history and robustness table: present and holding its complete grid
  (lowcap.tables.read_table).
It prints what it found and the snakemake command that reruns the jobs writing those files (and
what is made from them); --rebuild runs it.
"""

from __future__ import annotations

import hashlib
import subprocess
import sys
from pathlib import Path

import yaml

from lowcap.settings import ConfigError, Settings, Study, load_settings, merge_files

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
    from lowcap.model import CheckpointError, load_checkpoint

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


def table_problems(study: Study, root: Path) -> list[tuple[str, str]]:
    """(path, why) for each training history or robustness table present but incomplete."""
    from lowcap import capacity, robustness
    from lowcap.tables import TableError

    def check(name: str, read) -> None:
        if not (root / name).exists():
            out.extend([(name, "missing")] if _built(study, root) else [])
            return
        try:
            read(root / name)
        except (TableError, ValueError) as err:
            out.append((name, str(err)))

    out: list[tuple[str, str]] = []
    for pair in study.pairs:
        check(f"results/{study.name}/metrics/{pair}.csv", lambda path, pair=pair: capacity.check_grid(
            capacity.read_histories([path]), [pair], study.widths, study.seeds, str(path)))
    for pair in study.robustness.pairs if "robustness" in study.analyses else ():
        check(f"results/{study.name}/robustness/{pair}.csv", lambda path, pair=pair: robustness.read_results(
            path, pair, study.robustness.widths, study.seeds, study.robustness.noise_sigmas))
    return out


def problems(settings: Settings, root: Path) -> list[tuple[str, str]]:
    found = []
    for study in settings.studies.values():
        found += recorded_problems(study.name, root)
        found += checkpoint_problems(study, root)
        found += table_problems(study, root)
    return found


def rebuild_command(paths: list[str], configfiles: list[str], cores: int) -> list[str]:
    """snakemake, forcing the jobs that write `paths` (and so those made from them), on the
    default target. --configfile comes last: it takes every value after it."""
    command = [sys.executable, "-m", "snakemake", "--snakefile", str(REPO / "Snakefile"), "--cores", str(cores),
               "--rerun-incomplete", "--forcerun", *paths]
    return command + (["--configfile", *configfiles] if configfiles else [])


def main(argv: list[str] | None = None) -> int:
    import argparse

    parser = argparse.ArgumentParser(prog="python3 -m lowcap.verify", description=__doc__.split("\n")[0])
    parser.add_argument("configfiles", nargs="*", help="the run's --configfile files")
    parser.add_argument("--rebuild", action="store_true", help="run the snakemake command that rebuilds them")
    parser.add_argument("--cores", type=int, default=2)
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
    command = rebuild_command(sorted({p for p, _ in found}), args.configfiles, args.cores)
    print("rebuild with:\n  " + " ".join(["snakemake", *command[3:]]))
    if not args.rebuild:
        return 2
    return subprocess.run(command, cwd=root).returncode


if __name__ == "__main__":
    raise SystemExit(main())
