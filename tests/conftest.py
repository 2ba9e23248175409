"""Shared fixtures: real MNIST from ../shared/mnist when present, else a synthetic IDX data set."""

from __future__ import annotations

import gzip
import hashlib
import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pytest

REPO = Path(__file__).resolve().parents[1]
# CI and the developers' machines have the real MNIST test split here (see the README).
SHARED_MNIST = Path(os.environ.get("LOWCAP_MNIST_DIR", REPO.parent / "shared" / "mnist"))
TEST_POOL_FILES = ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")


@dataclass
class Mirror:
    path: Path
    real: bool
    sha256: dict = field(default_factory=dict)  # for the config's data.sha256 (synthetic only)


def idx_bytes(array: np.ndarray) -> bytes:
    header = bytes([0, 0, 0x08, array.ndim]) + b"".join(int(d).to_bytes(4, "big") for d in array.shape)
    return header + np.ascontiguousarray(array, dtype=np.uint8).tobytes()


def synthetic_pool(n_per_class: int = 120, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Ten classes, each a fixed random stroke pattern plus noise: learnable, MNIST-shaped."""
    rng = np.random.default_rng(seed)
    templates = (rng.random((10, 28, 28)) < 0.15).astype(np.float32)
    labels = np.repeat(np.arange(10, dtype=np.uint8), n_per_class)
    rng.shuffle(labels)
    noise = rng.random((len(labels), 28, 28)) < 0.05
    images = np.clip(templates[labels] * rng.uniform(0.5, 1.0, (len(labels), 1, 1)) + noise, 0, 1)
    return (images * 255).astype(np.uint8), labels


def write_synthetic_mirror(path: Path) -> dict:
    path.mkdir(parents=True, exist_ok=True)
    images, labels = synthetic_pool()
    sha = {}
    for stem, array in zip(TEST_POOL_FILES, (images, labels)):
        raw = idx_bytes(array)
        (path / f"{stem}.gz").write_bytes(gzip.compress(raw, mtime=0))
        sha[stem] = hashlib.sha256(raw).hexdigest()
    return sha


@pytest.fixture
def cpu_jobs(monkeypatch):
    """lowcap.jobs picks CUDA when torch sees a GPU, and sets torch's thread count. Tests that
    compare numbers with a CPU reference use this: CPU whatever the machine, and the thread count
    left as found."""
    import torch

    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    threads = torch.get_num_threads()
    yield
    torch.set_num_threads(threads)


@pytest.fixture
def drawn(monkeypatch):
    """The figures the plotting functions hand to plots.save, kept open for inspection."""
    from lowcap.figures import plots

    figures = []
    monkeypatch.setattr(plots, "save", lambda fig, png, pdf=None: figures.append(fig))
    yield figures
    plots.pyplot().close("all")


def real_mnist_present() -> bool:
    return all((SHARED_MNIST / f"{stem}.gz").exists() for stem in TEST_POOL_FILES)


def pytest_report_header(config):
    if real_mnist_present():
        return f"lowcap: real MNIST test split from {SHARED_MNIST}"
    return (f"lowcap: *** SYNTHETIC DATA *** no MNIST at {SHARED_MNIST} (set LOWCAP_MNIST_DIR); "
            "the tests run on a synthetic IDX data set they write themselves")


# The files that take longest, longest first: the tiny end-to-end run and the recovery runs.
# pytest-xdist hands out whole files in this order (pyproject's addopts), so the longest starts at
# once instead of keeping the suite waiting at its end; the rest keep their order.
LONGEST_FILES = ("test_pipeline.py", "test_recovery.py")


def pytest_collection_modifyitems(config, items):
    rank = {name: i for i, name in enumerate(LONGEST_FILES)}
    items.sort(key=lambda item: rank.get(item.path.name, len(rank)))


def pytest_terminal_summary(terminalreporter):
    if not real_mnist_present():
        terminalreporter.write_sep("=", "lowcap: these tests ran on SYNTHETIC data, not real MNIST", yellow=True)


@pytest.fixture(scope="session")
def mnist_mirror(tmp_path_factory) -> Mirror:
    if real_mnist_present():
        return Mirror(SHARED_MNIST, real=True)
    path = tmp_path_factory.mktemp("synthetic_mnist")
    return Mirror(path, real=False, sha256=write_synthetic_mirror(path))


def pool_paths(mirror: Mirror) -> tuple[str, str]:
    return tuple(str(mirror.path / f"{stem}.gz") for stem in TEST_POOL_FILES)


def make_meta(pair: str, width: int, seed: int, split_digest: str, study: str = "test", **protocol):
    """Checkpoint metadata for a hand-made checkpoint in the tests."""
    from lowcap.core.model import CheckpointMeta

    proto = {"preset": "released", "lr": 0.03, "epochs": 100, "batch_size": "full", "init": "normal",
             "init_std": 0.1, **protocol}
    return CheckpointMeta(study=study, dataset="mnist", pool="test", pair=pair, width=width, seed=seed,
                          protocol=proto, split_digest=split_digest, n_train=0, n_val=0,
                          torch_version="test", final_val_f1=0.0, final_train_f1=0.0)


@pytest.fixture(scope="session")
def pool(mnist_mirror) -> tuple[np.ndarray, np.ndarray]:
    from lowcap.core.data import load_pool

    return load_pool(*(mnist_mirror.path / f"{stem}.gz" for stem in TEST_POOL_FILES))


# The tiny config of the end-to-end tests and the one-minute demo (.test/config.yaml): 2 MLP and
# 2 CNN studies x 2 pairs x 2 widths (channels) x 2 seeds x a few epochs.
TINY_CONFIG = REPO / ".test" / "config.yaml"


def _tiny() -> dict:
    import yaml

    return yaml.safe_load(TINY_CONFIG.read_text())


_TINY = _tiny()
STUDIES = [s for s, v in _TINY["studies"].items() if v.get("architecture", "mlp") != "cnn"]
CNN_STUDIES = [s for s, v in _TINY["studies"].items() if v.get("architecture", "mlp") == "cnn"]
PAIRS, WIDTHS, SEEDS, CHANNELS = _TINY["pairs"], _TINY["widths"], _TINY["seeds"], _TINY["cnn"]["channels"]
EPOCHS = _TINY["studies"][STUDIES[0]]["training"]["epochs"]


def tiny_config(mirror: Mirror) -> dict:
    """.test/config.yaml with this session's mirror (absolute; with its digests when synthetic)."""
    config = _tiny()
    config["data"]["mnist"] = {"mirror": str(mirror.path), **({"sha256": mirror.sha256} if mirror.sha256 else {})}
    return config
