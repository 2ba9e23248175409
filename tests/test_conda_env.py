"""envs/lowcap.yaml, the environment of every rule under `snakemake --sdm conda`.

Conda channels are not reachable where the tests run, so this checks offline what decides whether
the environment works:
- it installs lowcap's dependencies with pyproject.toml's pins, and no local path: conda runs pip
  in the folder of Snakemake's copy of the file (.snakemake/conda/), where a relative path such
  as `-e ..` points into .snakemake/;
- a job script gets lowcap from the same place as the Snakefile, in an interpreter that has no
  lowcap installed (as the conda environment has none): Snakemake's script preamble puts the
  snakemake process's sys.path behind the interpreter's own.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tomllib

import yaml
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.utils import canonicalize_name

from conftest import REPO, tiny_config

ENV = REPO / "envs" / "lowcap.yaml"

# pyproject.toml dependencies that the rules' environment does not need, and why.
HOST_ONLY = {
    "snakemake": "runs the workflow on the host; job scripts import it from there (the preamble)",
    "snakemake-executor-plugin-slurm": "used by the snakemake process that submits jobs",
    "pytest": "the test suite",
    "pytest-xdist": "runs the test suite's files in parallel",
    "snakefmt": "formats the rule files (CI's lint)",
    "playwright": "drives the headless browser of the report test (tests/test_pipeline.py)",
}


def env_requirements() -> tuple[list[str], list[str]]:
    deps = yaml.safe_load(ENV.read_text())["dependencies"]
    pip = [entry for d in deps if isinstance(d, dict) for entry in d.get("pip", [])]
    return [d for d in deps if isinstance(d, str)], pip


def test_env_installs_exactly_lowcaps_dependencies_with_pyproject_pins():
    conda, pip = env_requirements()
    for entry in pip:
        # No editable install, local path, URL or requirements file: all of them resolve against
        # .snakemake/conda/, not against this checkout.
        assert not entry.lstrip().startswith(("-", ".", "/", "~", "file:", "git+", "http")), entry
        Requirement(entry)  # a plain requirement, or this raises
    ours = {canonicalize_name(r.name): r for r in map(Requirement, pip)}
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    needed = {canonicalize_name(r.name): r for r in map(Requirement, project["dependencies"])
              if canonicalize_name(r.name) not in HOST_ONLY}
    assert "lowcap" not in ours  # lowcap comes from the workflow itself
    assert set(ours) == set(needed), f"missing: {set(needed) - set(ours)}, extra: {set(ours) - set(needed)}"
    for name, requirement in needed.items():
        assert ours[name].specifier == requirement.specifier, (name, str(ours[name]), str(requirement))
    assert "pip" in conda
    python = [d.split("=", 1)[1].lstrip("=") for d in conda if d.split("=")[0].strip() == "python"]
    assert len(python) == 1 and SpecifierSet(project["requires-python"]).contains(f"{python[0]}.0"), python


def test_job_scripts_import_the_workflows_lowcap_without_it_installed(tmp_path, mnist_mirror):
    """Run one cheap script job (fetch_data), keep the script Snakemake wrote, and run its preamble
    in an interpreter without site-packages or PYTHONPATH (like a conda env without lowcap; conda
    jobs also lose PYTHONPATH): `import lowcap` must find the lowcap that this process uses."""
    import lowcap

    (tmp_path / "tiny.yaml").write_text(yaml.safe_dump(tiny_config(mnist_mirror)))
    cmd = [sys.executable, "-m", "snakemake", "--snakefile", str(REPO / "Snakefile"), "--directory",
           str(tmp_path), "--configfile", str(tmp_path / "tiny.yaml"), "--cores", "1",
           "--until", "fetch_data", "--skip-script-cleanup"]
    result = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    scripts = sorted((tmp_path / ".snakemake" / "scripts").glob("*.job.py"))
    assert scripts, result.stderr[-3000:]
    lines = scripts[0].read_text().splitlines(keepends=True)
    end = next(i for i, line in enumerate(lines) if "snakemake preamble end" in line)
    probe = tmp_path / "probe.py"
    probe.write_text("".join(lines[: end + 1])
                     + "import lowcap, lowcap.jobs\nprint(lowcap.__file__)\nprint(snakemake.rule)\n")
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    bare = subprocess.run([sys.executable, "-S", "-E", "-c", "import lowcap"], capture_output=True, env=env)
    assert bare.returncode != 0  # the bare interpreter really has no lowcap
    out = subprocess.run([sys.executable, "-S", "-E", str(probe)], capture_output=True, text=True, env=env)
    assert out.returncode == 0, out.stderr[-3000:]
    assert out.stdout.split() == [lowcap.__file__, "fetch_data"]
