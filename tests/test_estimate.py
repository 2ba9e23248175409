"""lowcap.estimate: the planned jobs times the per-rule mean seconds of an earlier run's benchmarks."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from lowcap import estimate

DRY_RUN = """Building DAG of jobs...
Job stats:
job               count
--------------  -------
train_pair            4
imp_pair              2
imp_figure            2
all                   1
total                 9

Job stats:
job               count
--------------  -------
train_pair            4
total                 4
"""


def write_benchmark(path, seconds):
    path.parent.mkdir(parents=True, exist_ok=True)
    pd.DataFrame({"s": seconds, "h:m:s": ["0:00:01"] * len(seconds), "max_rss": [1.0] * len(seconds)}).to_csv(
        path, sep="\t", index=False)


@pytest.fixture
def benchmarks(tmp_path):
    root = tmp_path / "benchmarks"
    write_benchmark(root / "released" / "train_pair" / "0-1.tsv", [10.0])
    write_benchmark(root / "explicit" / "train_pair" / "4-9.tsv", [30.0])
    write_benchmark(root / "released" / "imp_pair" / "0-1.tsv", [100.0])
    write_benchmark(root / "claims_table.tsv", [5.0])  # a rule outside any study folder
    write_benchmark(root / "released" / "not_a_rule" / "x.tsv", [1e6])  # matches no planned rule
    return root


def test_parse_job_stats_reads_the_first_table():
    assert estimate.parse_job_stats(DRY_RUN) == {"train_pair": 4, "imp_pair": 2, "imp_figure": 2, "all": 1}
    assert estimate.parse_job_stats("Nothing to be done.") == {}


def test_benchmarks_belong_to_the_rule_their_path_names(benchmarks):
    seconds = estimate.benchmark_seconds(benchmarks, ["train_pair", "imp_pair", "claims_table", "all"])
    assert {rule: sorted(s) for rule, s in seconds.items()} == {
        "train_pair": [10.0, 30.0], "imp_pair": [100.0], "claims_table": [5.0]}


def test_estimate_sums_mean_seconds_times_jobs_and_names_rules_without_benchmarks(benchmarks):
    planned = estimate.parse_job_stats(DRY_RUN)
    table = estimate.estimate_table(planned, estimate.benchmark_seconds(benchmarks, planned))
    by_rule = table.set_index("rule")
    assert by_rule.loc["train_pair", "job_s"] == pytest.approx(4 * 20.0, rel=0, abs=1e-12)
    assert by_rule.loc["imp_pair", "job_s"] == pytest.approx(200.0, rel=0, abs=1e-12)
    assert math.isnan(by_rule.loc["imp_figure", "job_s"])
    assert list(table["rule"][:2]) == ["imp_pair", "train_pair"]  # longest first
    # 280 job-seconds on 2 cores: 140 s; on 8 cores the longest job (100 s) bounds it instead.
    timed = table[table["job_s"].notna()]
    assert estimate.wall_floor(timed, 2) == pytest.approx(140.0) and estimate.wall_floor(timed, 8) == 100.0
    text = estimate.render(table, 2, str(benchmarks))
    assert "total: 280 job-seconds" in text and "at least 140 s" in text
    assert "no benchmark for 1 rules, left out: imp_figure" in text  # `all` runs nothing: not listed


def test_main_asks_snakemake_with_the_configfile_and_prints_the_estimate(benchmarks, monkeypatch, capsys):
    asked = []
    monkeypatch.setattr(estimate, "planned_jobs", lambda args: asked.append(args) or {"train_pair": 3})
    estimate.main(["--configfile", "c.yaml", "--from", str(benchmarks), "--cores", "3", "--", "--directory", "d"])
    assert asked == [["--configfile", "c.yaml", "--directory", "d"]]
    out = capsys.readouterr().out
    assert "3 jobs planned" in out and "total: 60 job-seconds" in out and "at least 30 s" in out


def test_main_refuses_a_missing_benchmark_folder(tmp_path):
    with pytest.raises(SystemExit, match="no benchmark folder"):
        estimate.main(["--from", str(tmp_path / "none")])
