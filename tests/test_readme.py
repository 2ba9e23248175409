"""The README's claims table equals what the pipeline computes: `results/claims.md`, rebuilt
offline on the 10k MNIST pool (configs/mnist-10k-local.yaml). This is the slowest test (about
two minutes on 2 cores): it runs every analysis the claims need, for both studies."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
import yaml

from conftest import REPO
from lowcap import claims


def test_readme_claims_block_equals_a_fresh_offline_run(tmp_path, mnist_mirror):
    if not mnist_mirror.real:
        pytest.skip("the README's numbers are those of real MNIST; this machine has no ../shared/mnist "
                    "(set LOWCAP_MNIST_DIR)")
    local = yaml.safe_load((REPO / "configs/mnist-10k-local.yaml").read_text())
    local["data"]["mnist"]["mirror"] = str(mnist_mirror.path)  # the same files, from wherever they are
    (tmp_path / "local.yaml").write_text(yaml.safe_dump(local, sort_keys=False))
    cmd = [sys.executable, "-m", "snakemake", "results/claims.md", "--snakefile", str(REPO / "Snakefile"),
           "--directory", str(tmp_path), "--cores", "2", "--configfile", str(tmp_path / "local.yaml")]
    result = subprocess.run(cmd, capture_output=True, text=True, env={**os.environ, "PYTHONHASHSEED": "0"})
    assert result.returncode == 0, result.stderr[-3000:]
    readme = (REPO / "README.md").read_text()
    fresh = claims.readme_block(readme, (tmp_path / "results/claims.md").read_text())
    assert fresh == readme, ("README.md's claims block differs from a fresh run: run "
                             "`python3 -m lowcap.claims README.md results/claims.md` after an offline run")


def test_readme_block_replaces_only_the_table():
    readme = "intro\n<!-- claims:begin: x -->\nold\n<!-- claims:end -->\nafter\n"
    md = "# title\n\ntext\n\n| claim | paper |\n|---|---|\n| a | b |\n"
    assert claims.readme_block(readme, md) == (
        "intro\n<!-- claims:begin: x -->\n| claim | paper |\n|---|---|\n| a | b |\n<!-- claims:end -->\nafter\n")
