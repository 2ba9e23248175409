"""Which library code each job runs (the code digests that rules pass as params), and the checks
that a job's checkpoints are the models it asked for."""

import shutil

import pytest
import torch

from conftest import make_meta, pool_paths
from lowcap.core import provenance
from lowcap.core.evaluation import CheckpointMismatch, load_checked


def test_closures_follow_imports_inside_functions_too():
    train = provenance.module_closure("lowcap.jobs.train")
    assert {"lowcap.jobs.train", "lowcap.core.train", "lowcap.core.model", "lowcap.core.data", "lowcap.core.metrics"} <= set(train)
    # Training does not run the analyses: editing them must not retrain. (It does write its
    # checkpoint and history through lowcap.core.tables, the one writer that reports a full disk.)
    assert not {"lowcap.analyses.pruning", "lowcap.analyses.capacity", "lowcap.analyses.robustness", "lowcap.figures.plots",
                "lowcap.core.settings"} & set(train)
    assert "lowcap.core.tables" in train
    pruning = provenance.module_closure("lowcap.jobs.pruning")
    assert {"lowcap.analyses.pruning", "lowcap.core.evaluation", "lowcap.analyses.capacity"} <= set(pruning)  # evaluation: imported in a function
    assert "lowcap.analyses.pruning" in provenance.module_closure("lowcap.jobs.tsne")  # t-SNE prunes too
    assert "lowcap.analyses.pruning" not in provenance.module_closure("lowcap.jobs.robustness")


def test_digest_changes_with_the_code_it_covers(tmp_path, monkeypatch):
    copy = tmp_path / "lowcap"
    shutil.copytree(provenance.PACKAGE_DIR, copy, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(provenance, "PACKAGE_DIR", copy)
    for cache in (provenance.module_closure, provenance.code_digest):
        cache.cache_clear()
    before = {m: provenance.code_digest(m) for m in ("lowcap.jobs.pruning", "lowcap.jobs.train")}
    (copy / "analyses" / "pruning.py").write_text((copy / "analyses" / "pruning.py").read_text() + "\n# changed\n")
    for cache in (provenance.module_closure, provenance.code_digest):
        cache.cache_clear()
    assert provenance.code_digest("lowcap.jobs.pruning") != before["lowcap.jobs.pruning"]
    assert provenance.code_digest("lowcap.jobs.train") == before["lowcap.jobs.train"]
    for cache in (provenance.module_closure, provenance.code_digest):
        cache.cache_clear()


@pytest.fixture
def two_checkpoints(tmp_path, mnist_mirror, pool):
    from lowcap.core import data
    from lowcap.core.model import init_params, save_checkpoint

    paths = []
    for seed in (0, 1):
        digest = data.pair_data(*pool, "4-9", seed).split.digest()
        path = tmp_path / f"w3_s{seed}.pt"
        save_checkpoint(path, init_params(3, seed, "normal", 0.1), make_meta("4-9", 3, seed, digest))
        paths.append(str(path))
    return paths


def test_load_checked_returns_each_model_with_its_own_validation_split(two_checkpoints, mnist_mirror):
    loaded = load_checked(two_checkpoints, *pool_paths(mnist_mirror), "test", [["4-9", 3, 0], ["4-9", 3, 1]])
    assert [item.meta.seed for item in loaded] == [0, 1]
    assert not torch.equal(torch.as_tensor(loaded[0].x_val), torch.as_tensor(loaded[1].x_val))


def test_a_checkpoint_swapped_for_another_seeds_is_refused(two_checkpoints, mnist_mirror):
    shutil.copy(two_checkpoints[1], two_checkpoints[0])  # seed 1's model under seed 0's name
    with pytest.raises(CheckpointMismatch, match=r"w3_s0.pt holds study 'test', pair 4-9, width 3, seed 1; "
                                                 r"the job expected study 'test', pair 4-9, width 3, seed 0"):
        load_checked(two_checkpoints, *pool_paths(mnist_mirror), "test", [["4-9", 3, 0], ["4-9", 3, 1]])


def test_a_checkpoint_of_another_study_or_data_is_refused(two_checkpoints, mnist_mirror, tmp_path):
    with pytest.raises(CheckpointMismatch, match="study 'test'.*expected study 'explicit'"):
        load_checked(two_checkpoints[:1], *pool_paths(mnist_mirror), "explicit", [["4-9", 3, 0]])
    from lowcap.core.model import init_params, save_checkpoint

    wrong = tmp_path / "wrong.pt"
    save_checkpoint(wrong, init_params(3, 0, "normal", 0.1), make_meta("4-9", 3, 0, "0123456789abcdef"))
    with pytest.raises(CheckpointMismatch, match=r"wrong.pt: the validation split .* \(different pool or dataset\?\)"):
        load_checked([str(wrong)], *pool_paths(mnist_mirror), "test", [["4-9", 3, 0]])
