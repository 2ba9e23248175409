"""The README's claims table and findings agree with what the pipeline computes: `results/claims.md`
and `results/findings.md`, rebuilt offline on the 10k MNIST pool (configs/mnist-10k-local.yaml).
The rebuild is a reproduction check (marker `reproduction`, deselected by default; `.ci/run` runs
it): it runs every analysis the claims need, for every study. The blocks are compared as text,
every number numerically within a stated tolerance (`assert_same_up_to_rounding`)."""

from __future__ import annotations

import math
import os
import re
import subprocess
import sys

import pytest
import yaml

from conftest import REPO
from lowcap import claims

# A number as the renderers print it: an optional sign (a hyphen after a letter or digit is a
# separator, as in "0-1" or "w12"), digits, optional decimals, an optional exponent (%g).
NUMBER = re.compile(r"(?:(?<![\w.])-)?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?")
# Relative float tolerance on top of the rounding unit: another BLAS sums in another order, which
# moves a float64 statistic by ~1e-15 and a float32 one (F1 of a model trained for 100 epochs, a
# mean over seeds) by ~1e-6 relative; 1e-4 covers both, and is far below the distance any verdict
# or finding rests on (the finest line the claims draw is 1 F1 point, 1e-2).
REL_TOL = 1e-4


def _unit(token: str) -> float:
    """One unit of the last printed digit: 0.42 -> 0.01, 5.03e+04 -> 100, 12 -> 1."""
    mantissa, _, exponent = token.lower().partition("e")
    decimals = len(mantissa.partition(".")[2])
    return 10.0 ** (int(exponent or 0) - decimals)


def numbers_agree(printed: str, fresh: str, rel_tol: float = REL_TOL) -> bool:
    """Two printed numbers agree if both are integers and equal, or else differ by at most one unit
    of the finer last digit plus `rel_tol` of their size.

    Why one unit: a value on a rounding edge (0.4149...5 printed with 2 decimals) prints as 0.41 on one
    machine and 0.42 on another; the two printed values then differ by one unit of the last digit.
    %g drops trailing zeros (0.85 for 0.8500, -14 for -14.0), so the finer of the two tokens' units is
    the one the rounding acted on. Integers (widths, seeds, counts, pair digits, parameter counts) come
    from comparisons and counting, not from rounding a float: they must be equal."""
    a, b = float(printed), float(fresh)
    if not re.search(r"[.eE]", printed + fresh):  # both integers
        return a == b
    unit = min(_unit(printed), _unit(fresh))
    return math.isclose(a, b, rel_tol=0, abs_tol=unit * (1 + 1e-9) + rel_tol * max(abs(a), abs(b)))


def _first_difference(a: str, b: str, margin: int = 60) -> str:
    at = next((i for i, (x, y) in enumerate(zip(a, b)) if x != y), min(len(a), len(b)))
    return f"expected {a[max(at - margin, 0): at + margin]!r}, fresh {b[max(at - margin, 0): at + margin]!r}"


def assert_same_up_to_rounding(expected: str, fresh: str, rel_tol: float = REL_TOL) -> None:
    """The texts are equal once every number is replaced by a placeholder (every word, verdict and
    table cell border identical), and each pair of numbers agrees (numbers_agree)."""
    words_expected, words_fresh = NUMBER.split(expected), NUMBER.split(fresh)
    if words_expected != words_fresh:
        raise AssertionError("the text differs, not only its numbers: " + _first_difference(NUMBER.sub("#", expected),
                                                                                         NUMBER.sub("#", fresh)))
    for printed, new in zip(NUMBER.findall(expected), NUMBER.findall(fresh), strict=True):
        assert numbers_agree(printed, new, rel_tol), f"{printed} (expected) and {new} (fresh) differ by more " \
                                                     f"than rounding: one unit of the last digit + {rel_tol:g} relative"


@pytest.mark.reproduction
def test_readme_claims_and_findings_agree_with_a_fresh_offline_run(tmp_path, mnist_mirror):
    if not mnist_mirror.real:
        pytest.skip("the README's numbers are those of real MNIST; this machine has no ../shared/mnist "
                    "(set LOWCAP_MNIST_DIR)")
    local = yaml.safe_load((REPO / "configs/mnist-10k-local.yaml").read_text())
    local["data"]["mnist"]["mirror"] = str(mnist_mirror.path)  # the same files, from wherever they are
    (tmp_path / "local.yaml").write_text(yaml.safe_dump(local, sort_keys=False))
    cmd = [sys.executable, "-m", "snakemake", "results/claims.md", "results/findings.md", "--snakefile", str(REPO / "Snakefile"),
           "--directory", str(tmp_path), "--cores", "2", "--configfile", str(tmp_path / "local.yaml")]
    result = subprocess.run(cmd, capture_output=True, text=True, env={**os.environ, "PYTHONHASHSEED": "0"})
    assert result.returncode == 0, result.stderr[-3000:]
    readme = (REPO / "README.md").read_text() + (REPO / claims.FINDINGS_PAGE).read_text()
    fresh = "".join(claims.generated_docs((REPO / "README.md").read_text(), (REPO / claims.FINDINGS_PAGE).read_text(),
                                          tmp_path / "results/claims.md", tmp_path / "results/findings.md",
                                          REPO / claims.TEN_SEEDS_TABLE))
    try:
        assert_same_up_to_rounding(readme, fresh)
    except AssertionError as error:
        raise AssertionError(f"README.md's claims block or {claims.FINDINGS_PAGE} differs from a fresh run ({error}): run "
                             "`python3 -m lowcap.claims README.md results/claims.md results/findings.md` after an "
                             "offline run") from None


@pytest.mark.parametrize("printed, fresh", [
    ("0.42", "0.41"),  # explicit 4-9 MI concentration: 0.4149 on a rounding edge
    ("0.85", "0.851"),  # %g drops a trailing zero: 0.8504 -> 0.85, 0.8506 -> 0.851
    ("-14", "-14.1"),  # %g: -14.0 -> -14
    ("5.03e+04", "5.04e+04"),  # one unit of the third significant digit
    ("0.9", "0.91"),  # %.2g: 0.9049 -> 0.9, 0.9051 -> 0.91
    ("0.9", "0.900001"),  # the relative float tolerance alone
])
def test_numbers_on_a_rounding_edge_agree(printed, fresh):
    assert numbers_agree(printed, fresh) and numbers_agree(fresh, printed)
    assert_same_up_to_rounding(f"| 4-9 | {printed} | **reproduced** |", f"| 4-9 | {fresh} | **reproduced** |")


@pytest.mark.parametrize("printed, fresh", [
    ("0.41", "0.52"),  # ten units apart: a changed result
    ("0.42", "0.40"),  # two units: more than one rounding
    ("-0.5", "0.5"),  # the sign is part of the number
    ("6", "8"),  # a minimum width: integers are exact
    ("2", "3"),
    ("0.85", "0.854"),  # four units of the finer digit
])
def test_numbers_beyond_rounding_disagree(printed, fresh):
    assert not numbers_agree(printed, fresh) and not numbers_agree(fresh, printed)
    with pytest.raises(AssertionError, match="differ by more than rounding"):
        assert_same_up_to_rounding(f"| {printed} | x |", f"| {fresh} | x |")


@pytest.mark.parametrize("fresh", [
    "| 4-9 | 0.41 | **not reproduced** |",  # a changed verdict
    "| 4-8 | 0.41 | **reproduced** |",  # a changed pair: its digits are integers
    "| 4-9 | 0.41 | **reproduced** | 3 |",  # an extra cell
    "| 4-9 | 0.41 | **reproduced**",  # a missing border
])
def test_a_changed_word_or_integer_fails_the_comparison(fresh):
    with pytest.raises(AssertionError):
        assert_same_up_to_rounding("| 4-9 | 0.42 | **reproduced** |", fresh)


def test_pair_digits_and_ranges_tokenise_as_the_renderers_write_them():
    # a hyphen between digits separates (0-1 is the digits 0 and 1), after a space or bracket it is a sign
    assert NUMBER.findall("0-1 w12: 1/0/0 [-0.22, 0.332] 12–24 -100% 5.03e+04") == [
        "0", "1", "12", "1", "0", "0", "-0.22", "0.332", "12", "24", "-100", "5.03e+04"]


def test_readme_has_no_typed_number_outside_generated_blocks():
    """The section on what reproduces states no measured number outside its generated blocks:
    every number left in its prose is one of the few named here, each for a stated reason."""
    import re

    def without(text: str, begin: str, end: str) -> str:
        return text[:text.index(begin)] + text[text.index(end):]

    readme = without((REPO / "README.md").read_text(), claims.BLOCK_BEGIN, claims.BLOCK_END)
    start = readme.index("## What reproduces")
    stop = readme.find("\n## ", start)  # the section ends at the next top-level heading, if any
    # The reasons behind the section (docs/what-reproduces.md) and the prose of the generated
    # findings page are held to the same rule.
    section = (readme[start:stop if stop != -1 else None] + (REPO / "docs/what-reproduces.md").read_text()
               + without(without((REPO / claims.FINDINGS_PAGE).read_text(), "<!-- findings:begin", "<!-- findings:end -->"),
                         claims.SEEDS_BEGIN, claims.SEEDS_END))
    numbers = set(re.findall(r"(?<![\w.])\d+(?:\.\d+)?", section))
    allowed = {
        "4", "6", "12", "24", "0.90", "95", "99", "0.95", "0.01",  # the paper's claims and settings
        "0", "1", "7", "9",  # digits of the class pairs (0-1, 4-9, ...)
        "10", "60", "42", "78", "128", "0.03", "100", "25", "400", "2", "8",  # configs, seeds, studies, commands
        "3", "33",  # arithmetic: F1 of a constant prediction on a balanced split is 2/3, a change of -33%
        "5",  # arithmetic: round(0.95 * H) output weights pruned (tests/test_findings.py)
        "4.30", "2.26",  # Student-t factors of a 95% interval over 3 and over 10 seeds (test below)
    }
    assert numbers <= allowed, f"numbers typed in the README's findings prose: {sorted(numbers - allowed)}"


def test_readme_block_replaces_only_the_table():
    readme = "intro\n<!-- claims:begin: x -->\nold\n<!-- claims:end -->\nafter\n"
    md = "# title\n\ntext\n\n| claim | paper |\n|---|---|\n| a | b |\n"
    assert claims.readme_block(readme, md) == (
        "intro\n<!-- claims:begin: x -->\n| claim | paper |\n|---|---|\n| a | b |\n<!-- claims:end -->\nafter\n")


def _claims(*rows):
    import pandas as pd

    return pd.DataFrame([dict(claim_id=c, study=s, verdict=v, value=x, interval_low=x - 0.1, interval_high=x + 0.1)
                         for c, s, v, x in rows])


def test_seeds_comparison_lists_what_ten_seeds_decide_or_change():
    three = _claims(("a", "released", "inconclusive", 0.5), ("b", "released", "reproduced", 0.9),
                    ("c", "released", "inconclusive", 0.2), ("d", "released", "reproduced", 0.7),
                    ("e", "released", "not testable", 0.0))
    ten = _claims(("a", "released", "reproduced", 0.6), ("b", "released", "reproduced", 0.9),
                  ("c", "released", "inconclusive", 0.1), ("d", "released", "not reproduced", 0.3),
                  ("e", "released", "not testable", 0.0))
    text = claims.seeds_comparison(three, ten)
    assert text.startswith("Of 4 testable rows of the studies released, three seeds leave 2 inconclusive; ten seeds "
                           "decide 1 of them. 1 verdicts that three seeds gave change with ten.")
    rows = [line for line in text.splitlines() if line.startswith("| ") and not line.startswith("| claim")]
    assert [row.split(" | ")[0] for row in rows] == ["| a", "| c", "| d"]  # b agrees and was decided; e not testable
    assert "| a | released | **inconclusive** 0.5 [0.4, 0.6] | **reproduced** 0.6 [0.5, 0.7] |" in rows


def test_the_seeds_block_is_generated_from_the_ten_seed_table():
    """docs/findings.md's three-against-ten-seeds block is rendered from TEN_SEEDS_TABLE and a
    three-seed claims table: its ten-seed column must agree with the committed table (the three-seed
    side is checked against a fresh run by the reproduction test)."""
    import pandas as pd

    page = (REPO / claims.FINDINGS_PAGE).read_text()
    block = page[page.index(claims.SEEDS_BEGIN):page.index(claims.SEEDS_END)]
    ten = pd.read_csv(REPO / claims.TEN_SEEDS_TABLE, dtype={"claim_id": str}).set_index(["claim_id", "study"])
    rows = [line.split(" | ") for line in block.splitlines() if line.startswith("| ") and not line.startswith("| claim")]
    assert rows, "the seeds block lists no row"
    for row in rows:
        claim_id, study, ten_cell = row[0].removeprefix("| "), row[1], row[3]
        assert ten_cell.startswith(f"**{ten.loc[(claim_id, study), 'verdict']}**"), row


def test_the_student_t_factors_the_readme_quotes():
    from scipy import stats

    assert f"{stats.t.ppf(0.975, 2):.2f}" == "4.30" and f"{stats.t.ppf(0.975, 9):.2f}" == "2.26"


# --------------------------------------------------------------------------- the speed figures (issue 19)


def _benchmark_module():
    import importlib.util

    spec = importlib.util.spec_from_file_location("benchmark_run", REPO / "benchmarks" / "run.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _block(text: str, begin: str, end: str) -> str:
    return text[text.index(begin): text.index(end) + len(end)]


def test_the_readme_and_speed_doc_times_are_the_benchmarks():
    """The README's table of times and docs/speed.md's figures are generated by benchmarks/run.py
    from docs/results/speed.json: an edited number, or a run whose blocks were not rewritten, fails."""
    import json

    run = _benchmark_module()
    results = json.loads((REPO / "docs" / "results" / "speed.json").read_text())
    readme, speed = (REPO / "README.md").read_text(), (REPO / "docs" / "speed.md").read_text()
    assert _block(readme, run.SPEED_BEGIN, run.SPEED_END) == run.readme_speed_block(results)
    assert _block(speed, run.SPEED_BEGIN, run.SPEED_END) == run.speed_block(results)
    # and the table says what the benchmark measured, in minutes and seconds
    assert f"| {run.minutes(results['mnist_10k_two_studies']['wall_s'])} |" in readme
    assert run.minutes(754.4) == "12 min 34 s" and run.minutes(59.6) == "60 s" and run.minutes(61) == "1 min 01 s"
