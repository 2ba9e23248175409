"""The README's claims table and findings equal what the pipeline computes: `results/claims.md`
and `results/findings.md`, rebuilt offline on the 10k MNIST pool (configs/mnist-10k-local.yaml). This is the slowest test (about
two minutes on 2 cores): it runs every analysis the claims need, for both studies."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
import yaml

from conftest import REPO
from lowcap import claims


def test_readme_claims_and_findings_equal_a_fresh_offline_run(tmp_path, mnist_mirror):
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
    readme = (REPO / "README.md").read_text()
    fresh = claims.readme_block(readme, (tmp_path / "results/claims.md").read_text(),
                                (tmp_path / "results/findings.md").read_text())
    assert fresh == readme, ("README.md's claims or findings block differs from a fresh run: run `python3 -m "
                             "lowcap.claims README.md results/claims.md results/findings.md` after an offline run")


def test_readme_has_no_typed_number_outside_generated_blocks():
    """The section on what reproduces states no measured number outside its generated blocks:
    every number left in its prose is one of the few named here, each for a stated reason."""
    import re

    readme = (REPO / "README.md").read_text()
    section = readme[readme.index("## What reproduces"):readme.index("## Speed")]
    for begin, end in [(claims.BLOCK_BEGIN, claims.BLOCK_END), ("<!-- findings:begin", "<!-- findings:end -->")]:
        section = section[:section.index(begin)] + section[section.index(end):]
    numbers = set(re.findall(r"(?<![\w.])\d+(?:\.\d+)?", section))
    allowed = {
        "4", "6", "12", "24", "0.90", "95", "99", "0.95", "0.01",  # the paper's claims and settings
        "0", "1", "7", "9",  # digits of the class pairs (0-1, 4-9, ...)
        "10", "60", "42", "78", "128", "0.03", "100", "25", "400", "2", "8",  # configs, seeds, studies, commands
        "3", "33",  # arithmetic: F1 of a constant prediction on a balanced split is 2/3, a change of -33%
        "5",  # arithmetic: round(0.95 * H) output weights pruned (tests/test_findings.py)
    }
    assert numbers <= allowed, f"numbers typed in the README's findings prose: {sorted(numbers - allowed)}"


def test_readme_block_replaces_only_the_table():
    readme = "intro\n<!-- claims:begin: x -->\nold\n<!-- claims:end -->\nafter\n"
    md = "# title\n\ntext\n\n| claim | paper |\n|---|---|\n| a | b |\n"
    assert claims.readme_block(readme, md) == (
        "intro\n<!-- claims:begin: x -->\n| claim | paper |\n|---|---|\n| a | b |\n<!-- claims:end -->\nafter\n")
