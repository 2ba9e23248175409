"""How long a run will take, before it starts: the jobs Snakemake plans (a dry run) times each
rule's mean wall time in the per-rule benchmark files of an earlier run.

    python3 -m lowcap.estimate [--configfile FILE] [--from results/benchmarks] [--cores N] [-- SNAKEMAKE ARGS]

Prints job-seconds per rule, their total, and a wall-time floor for N cores: the larger of
total / N and the longest single job (no schedule can beat either). Rules with no benchmark file
are named, and left out of the sums.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd


def parse_job_stats(text: str) -> dict[str, int]:
    """Jobs per rule from the "Job stats" table of `snakemake -n --quiet rules` (the first table;
    Snakemake may print it twice)."""
    counts: dict[str, int] = {}
    lines = iter(text.splitlines())
    for line in lines:
        if line.split() == ["job", "count"]:
            next(lines, None)  # the ----- rule under the header
            for row in lines:
                fields = row.split()
                if len(fields) != 2 or fields[0] == "total":
                    return counts
                counts[fields[0]] = int(fields[1])
    return counts


def planned_jobs(snakemake_args: list[str]) -> dict[str, int]:
    """The jobs a run would execute now (outputs already up to date are not planned)."""
    done = subprocess.run(["snakemake", "-n", "--quiet", "rules", *snakemake_args],
                          capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"snakemake's dry run failed:\n{done.stdout}{done.stderr}")
    return parse_job_stats(done.stdout + done.stderr)


def benchmark_seconds(directory: str | Path, rules) -> dict[str, pd.Series]:
    """Wall seconds (the `s` column) of every benchmarked job under `directory`, per rule: a file
    belongs to the first component of its path below `directory` that names a rule
    ({study}/{rule}/{wildcards}.tsv, {study}/{rule}.tsv, {rule}.tsv, ...)."""
    rules = set(rules)
    found: dict[str, list[pd.Series]] = {}
    for path in sorted(Path(directory).rglob("*.tsv")):
        parts = path.relative_to(directory).with_suffix("").parts
        rule = next((p for p in parts if p in rules), None)
        if rule is not None:
            found.setdefault(rule, []).append(pd.read_csv(path, sep="\t")["s"])
    return {rule: pd.concat(series, ignore_index=True) for rule, series in found.items()}


def estimate_table(planned: dict[str, int], seconds: dict[str, pd.Series]) -> pd.DataFrame:
    """Per planned rule: jobs, mean and max seconds per job in the earlier run (NaN: no
    benchmark), job-seconds; longest first."""
    rows = []
    for rule, jobs in planned.items():
        s = seconds.get(rule)
        mean = float(s.mean()) if s is not None and len(s) else float("nan")
        longest = float(s.max()) if s is not None and len(s) else float("nan")
        rows.append({"rule": rule, "jobs": jobs, "mean_s": mean, "max_s": longest, "job_s": jobs * mean})
    table = pd.DataFrame(rows, columns=["rule", "jobs", "mean_s", "max_s", "job_s"])
    return table.sort_values("job_s", ascending=False, na_position="last", kind="stable", ignore_index=True)


def wall_floor(table: pd.DataFrame, cores: int) -> float:
    """No schedule on `cores` cores finishes sooner than total job-seconds / cores, nor sooner
    than its longest job (one job per core)."""
    return max(float(table["job_s"].sum()) / cores, float(table["max_s"].max(skipna=True) or 0.0))


def render(table: pd.DataFrame, cores: int, source: str) -> str:
    timed = table[table["job_s"].notna()]
    missing = [r for r in table.loc[table["job_s"].isna(), "rule"] if r != "all"]  # `all` runs nothing
    lines = [f"{int(table['jobs'].sum())} jobs planned; mean seconds per job from {source}", "",
             timed.to_string(index=False, float_format=lambda v: f"{v:.1f}"), ""]
    total = float(timed["job_s"].sum())
    lines.append(f"total: {total:.0f} job-seconds ({total / 3600:.2f} h) over {int(timed['jobs'].sum())} jobs")
    floor = wall_floor(timed, cores) if len(timed) else 0.0
    lines.append(f"wall time on {cores} cores: at least {floor:.0f} s ({floor / 60:.1f} min), the larger of "
                 "job-seconds / cores and the longest job (a floor: jobs wait on each other's outputs)")
    if missing:
        lines.append(f"no benchmark for {len(missing)} rules, left out: {', '.join(missing)}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python3 -m lowcap.estimate", description=__doc__.split("\n\n")[0])
    parser.add_argument("--configfile", help="the config the run will use (as for snakemake)")
    parser.add_argument("--from", dest="source", default="results/benchmarks",
                        help="an earlier run's benchmark folder (default: results/benchmarks)")
    parser.add_argument("--cores", type=int, default=os.cpu_count() or 1, help="cores of the run (default: all)")
    parser.add_argument("snakemake_args", nargs="*", help="more snakemake arguments, after --")
    args = parser.parse_args(argv)
    if not Path(args.source).is_dir():
        raise SystemExit(f"no benchmark folder {args.source}: run the pipeline once (or a smaller config), "
                         "or pass --from")
    extra = (["--configfile", args.configfile] if args.configfile else []) + args.snakemake_args
    planned = planned_jobs(extra)
    if not planned:
        print("nothing to do: every output is up to date")
        return
    table = estimate_table(planned, benchmark_seconds(args.source, planned))
    print(render(table, args.cores, args.source))


if __name__ == "__main__":
    main(sys.argv[1:])
