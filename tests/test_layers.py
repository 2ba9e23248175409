"""The package's layers and the one job runner: a figure edit reruns figure jobs only, an analysis
edit its analysis and what reads it, and every rule calls a job function that takes exactly what
the rule reads, writes and passes."""

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from lowcap.core import provenance
from lowcap.jobs import JobSignatureError, job_arguments

REPO = Path(__file__).resolve().parents[1]
RULES = REPO / "workflow" / "rules"


def rule_jobs() -> dict[str, str]:
    """rule name -> the job function it names with **job("...") in workflow/rules/*.smk."""
    found = {}
    for path in sorted(RULES.glob("*.smk")):
        for block in re.split(r"^(?=rule \w+:)", path.read_text(), flags=re.M):
            name = re.match(r"rule (\w+):", block)
            called = re.search(r'\*\*job\("([\w.]+)"\)', block)
            if name and called:
                found[name.group(1)] = called.group(1)
    return found


def job_modules() -> set[str]:
    return {function.rpartition(".")[0] for function in rule_jobs().values()}


def test_every_rule_with_a_script_runs_the_one_job_script():
    scripts = sorted(p.name for p in (REPO / "workflow" / "scripts").glob("*.py"))
    assert scripts == ["job.py"]
    for path in RULES.glob("*.smk"):
        for block in re.split(r"^(?=rule \w+:)", path.read_text(), flags=re.M):
            if re.search(r"^    script:", block, flags=re.M):
                assert "JOB_SCRIPT" in block and '**job("' in block, block.splitlines()[0]


def test_every_named_job_function_exists():
    import importlib

    for rule, function in rule_jobs().items():
        module, _, name = function.rpartition(".")
        assert callable(getattr(importlib.import_module(module), name, None)), (rule, function)


def test_analysis_jobs_never_reach_figure_code():
    for module in job_modules():
        closure = provenance.module_closure(module)
        if module.endswith("_figures") or module == "lowcap.jobs.claims":
            continue
        assert not [m for m in closure if m.startswith("lowcap.figures")], module


def test_analyses_never_import_figures():
    for path in (REPO / "src" / "lowcap" / "analyses").glob("*.py"):
        closure = provenance.module_closure(f"lowcap.analyses.{path.stem}") if path.stem != "__init__" else ()
        assert not [m for m in closure if m.startswith("lowcap.figures")], path.name
        assert "matplotlib" not in path.read_text(), path.name


# Job modules whose table jobs need no torch (its analysis job imports it inside the function):
# importing torch costs each of those jobs about 2 s.
TORCH_FREE_TABLE_JOBS = ["lowcap.jobs.claims", "lowcap.jobs.pruning", "lowcap.jobs.study"]


@pytest.mark.parametrize("module", sorted(m for m in job_modules() if m.endswith("_figures")) + TORCH_FREE_TABLE_JOBS)
def test_figure_and_table_jobs_import_no_torch(module):
    code = f"import sys, {module}; print('torch' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False", module


def _digests(package_dir: Path, monkeypatch) -> dict[str, str]:
    monkeypatch.setattr(provenance, "PACKAGE_DIR", package_dir)
    for cache in (provenance.module_closure, provenance.code_digest):
        cache.cache_clear()
    try:
        return {module: provenance.code_digest(module) for module in job_modules()}
    finally:
        for cache in (provenance.module_closure, provenance.code_digest):
            cache.cache_clear()


def _edited(tmp_path, monkeypatch, relative: str) -> set[str]:
    """The job modules whose digest (so whose rules) change when `relative` gains a comment."""
    copy = tmp_path / "lowcap"
    shutil.copytree(provenance.PACKAGE_DIR, copy, ignore=shutil.ignore_patterns("__pycache__"))
    before = _digests(copy, monkeypatch)
    (copy / relative).write_text((copy / relative).read_text() + "\n# edited\n")
    after = _digests(copy, monkeypatch)
    return {m for m in before if before[m] != after[m]}


def test_a_figure_edit_reruns_figure_jobs_only(tmp_path, monkeypatch):
    for family in ("pruning", "imp", "robustness", "saliency_shift", "mutual_info"):
        changed = _edited(tmp_path / family, monkeypatch, f"figures/{family}.py")
        assert changed, family
        assert all(m.endswith("_figures") for m in changed), (family, changed)


def test_an_analysis_edit_reruns_its_analysis_and_what_reads_it_not_training(tmp_path, monkeypatch):
    changed = _edited(tmp_path, monkeypatch, "analyses/robustness.py")
    assert "lowcap.jobs.robustness" in changed
    assert "lowcap.jobs.train" not in changed and "lowcap.jobs.pruning" not in changed


def test_an_edit_to_the_job_runner_reruns_every_job(tmp_path, monkeypatch):
    """lowcap/jobs/__init__.py maps each rule's files and params to its job function's arguments:
    every job runs it, including those whose module never imports from it by name."""
    assert _edited(tmp_path, monkeypatch, "jobs/__init__.py") == set(job_modules())


def test_an_edit_to_the_warm_process_reruns_no_job(tmp_path, monkeypatch):
    """lowcap.jobs.warm decides where a job runs, never what it writes (tests/test_pipeline.py's
    rerun without it writes the same bytes), so it is in no job's digest."""
    assert _edited(tmp_path, monkeypatch, "jobs/warm.py") == set()


def test_an_import_added_to_a_module_joins_its_closure(tmp_path, monkeypatch):
    """The parsed imports are cached by source text (provenance._lowcap_names): the same file with
    a new import is read again, so no job keeps the digest of code it no longer runs alone."""
    copy = tmp_path / "lowcap"
    shutil.copytree(provenance.PACKAGE_DIR, copy, ignore=shutil.ignore_patterns("__pycache__"))
    _digests(copy, monkeypatch)  # parses every job module's closure, filling the cache
    figures = copy / "figures" / "pruning.py"
    assert "lowcap.core.cnn" not in provenance.module_closure("lowcap.figures.pruning")
    figures.write_text(figures.read_text() + "\n\ndef _late():\n    import lowcap.core.cnn  # noqa\n")
    provenance.module_closure.cache_clear()
    try:
        assert "lowcap.core.cnn" in provenance.module_closure("lowcap.figures.pruning")
    finally:
        provenance.module_closure.cache_clear()


def test_job_arguments_by_name():
    def job(checkpoints, out, levels, pair, threads=1):
        pass

    kwargs = job_arguments(job, "r", {"checkpoints": ["a", "b"]}, {"out": "o.csv"}, {"levels": [1]},
                           {"pair": "4-9", "study": "s"}, 2, {})
    assert kwargs == {"checkpoints": ["a", "b"], "out": "o.csv", "levels": [1], "pair": "4-9", "threads": 2}


def test_job_arguments_refuse_a_missing_or_an_unused_name():
    def job(out, levels):
        pass

    with pytest.raises(JobSignatureError, match=r"rule r: .*job needs 'levels'"):
        job_arguments(job, "r", {}, {"out": "o"}, {}, {}, 1, {})
    with pytest.raises(JobSignatureError, match=r"rule r: .*job takes no \['extra'\]"):
        job_arguments(job, "r", {"extra": "x"}, {"out": "o"}, {"levels": 1}, {}, 1, {})


def test_job_arguments_give_all_outputs_as_a_dict_when_asked():
    def job(table, outputs):
        pass

    kwargs = job_arguments(job, "r", {"table": "t.csv"}, {"png": "a.png", "pdf": "a.pdf"}, {}, {}, 1, {})
    assert kwargs["outputs"] == {"png": "a.png", "pdf": "a.pdf"}


def _rule_blocks():
    for path in sorted(RULES.glob("*.smk")):
        for block in re.split(r"^(?=rule \w+:)", path.read_text(), flags=re.M):
            name = re.match(r"rule (\w+):", block)
            if name:
                yield name.group(1), block


def _params_of(block: str) -> set[str]:
    """The param names a rule block passes (its `params:` section, top-level keys only)."""
    section = re.search(r"^    params:\n((?:        .*\n|\n)*)", block, flags=re.M)
    if not section:
        return set()
    names = set(re.findall(r"^        (\w+)=", section.group(1), flags=re.M))
    return names | ({"job", "code"} if "**job(" in section.group(1) else set())


def _caption_keys(block: str) -> set[str]:
    """The keys of a rule's `caption=` param, where it is a literal dict or a lambda returning one."""
    found = re.search(r"^        caption=(?:lambda wc: )?(\{.*\}|asdict\(study_of\(wc\)\.(\w+)\)),?$", block, flags=re.M)
    if not found:
        return set()
    if found.group(2):
        import dataclasses
        from lowcap.core import settings

        section = {f.name: f.type for f in dataclasses.fields(settings.Study)}[found.group(2)]
        section = getattr(settings, section) if isinstance(section, str) else section
        return {f.name for f in dataclasses.fields(section)}
    return set(re.findall(r'"(\w+)":', found.group(1)))


def test_every_caption_reads_only_params_its_rule_passes():
    """A caption quotes the run's params (Jinja); a param the rule does not pass would be blank."""
    report = REPO / "workflow" / "report"
    checked = 0
    for rule, block in _rule_blocks():
        params = _params_of(block)
        for caption in set(re.findall(r'caption=f?"\.\./report/([^"]+)"', block)):
            names = {caption.replace("{kind}", kind) for kind in ("f1", "f1_change", "auc_change")}
            for name in names if "{kind}" in caption else {caption}:
                text = (report / name).read_text()
                used = set(re.findall(r"snakemake\.params\.(\w+)", text))
                assert used <= params, f"rule {rule}: caption {name} reads params {sorted(used - params)}"
                quoted = set(re.findall(r'snakemake\.params\.caption\["(\w+)"\]', text))
                assert quoted <= _caption_keys(block), f"rule {rule}: caption {name} reads caption keys {quoted}"
                checked += 1
    assert checked >= 20


def test_the_design_page_rule_graph_names_every_rule():
    """docs/design.md's rule graph (snakemake --rulegraph mermaid-js) is regenerated when a rule is
    added, renamed or removed."""
    page = (REPO / "docs" / "design.md").read_text()
    graph = page[page.index("<!-- rulegraph:begin"):page.index("<!-- rulegraph:end -->")]
    rules = {"all"} | {name for name, _ in _rule_blocks()}
    assert set(re.findall(r"\[(\w+)\]", graph)) == rules


def test_no_caption_holds_an_rst_substitution():
    """`|w|` in RST is a substitution reference: docutils prints an error and drops the text."""
    for caption in (REPO / "workflow" / "report").glob("*.rst"):
        text = re.sub(r"``.*?``|:math:`.*?`", "", caption.read_text())  # literals and math may hold |x|
        assert not re.search(r"(?<!\\)\|[^|\s][^|]*(?<![\\\s])\|", text), caption.name


def test_parsing_the_workflow_loads_neither_torch_nor_matplotlib():
    """Every snakemake call (a dry run, a cluster job's own parse) imports what the Snakefile and
    common.smk import: a torch or matplotlib import there costs every one of them seconds."""
    modules = set()
    for path in (REPO / "Snakefile", RULES / "common.smk"):
        modules |= set(re.findall(r"^from (lowcap[\w.]*) import", path.read_text(), flags=re.M))
    code = f"import sys; import {', '.join(sorted(modules))}; print(sorted(m for m in ('torch', 'matplotlib') " \
           f"if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]", out.stdout
