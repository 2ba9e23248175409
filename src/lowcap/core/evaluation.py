"""Loading a job's checkpoints, checked, with the validation split each was trained with."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from lowcap.core import data
from lowcap.core.cnn import CNN
from lowcap.core.model import MLP, CheckpointMeta, load_checkpoint


class CheckpointMismatch(RuntimeError):
    """A checkpoint is not the model the job asked for, or was trained on other data."""


@lru_cache(maxsize=4)
def _pool(images: str, labels: str) -> tuple[np.ndarray, np.ndarray]:
    return data.load_pool(images, labels)


@lru_cache(maxsize=16)
def load_pair_data(images: str, labels: str, pair: str, seed: int) -> data.PairData:
    """One (pair, seed) split of the pool in the IDX files `images`, `labels` (paths as str):
    cached, as a job evaluates many checkpoints of each."""
    return data.pair_data(*_pool(images, labels), pair, seed)


def validation_data(images: str, labels: str, meta: CheckpointMeta, path: str = "") -> tuple[np.ndarray, np.ndarray]:
    """x_val (n, 784) float32 in [0, 1] and y_val (n,) of the checkpoint described by `meta`.

    The split is recomputed from (pool, pair, seed) and must match the digest the checkpoint
    recorded at training time, so a checkpoint is never scored on data it was trained on.
    """
    d = load_pair_data(str(images), str(labels), meta.pair, meta.seed)
    if d.split.digest() != meta.split_digest:
        raise CheckpointMismatch(
            f"checkpoint {path}: the validation split of pair {meta.pair} seed {meta.seed} recomputed "
            f"from {images} has digest {d.split.digest()}, the checkpoint was trained with "
            f"{meta.split_digest} (different pool or dataset?)"
        )
    return d.x_val, d.y_val


@dataclass(frozen=True)
class Loaded:
    path: str
    model: MLP | CNN
    meta: CheckpointMeta
    x_val: np.ndarray
    y_val: np.ndarray


def load_checked(paths: list[str], images: str, labels: str, study: str,
                 expected: list[tuple[str, int, int]]) -> list[Loaded]:
    """Load a job's checkpoints, in the order given, each with its validation split.

    Each checkpoint must be the (pair, width, seed) that `expected` names at its position, of
    `study`, and its split digest must match the data: a file swapped for another model's fails
    here instead of being silently used twice.
    """
    if len(paths) != len(expected):
        raise ValueError(f"{len(paths)} checkpoints for {len(expected)} expected models")
    out = []
    for path, want in zip(paths, expected, strict=True):
        model, meta = load_checkpoint(path)
        want = (want[0], int(want[1]), int(want[2]))
        if meta.study != study or meta.key != want:
            raise CheckpointMismatch(
                f"checkpoint {path} holds study {meta.study!r}, pair {meta.pair}, width {meta.width}, "
                f"seed {meta.seed}; the job expected study {study!r}, pair {want[0]}, width {want[1]}, "
                f"seed {want[2]}. Delete it and rerun snakemake to retrain it."
            )
        x_val, y_val = validation_data(images, labels, meta, path)
        out.append(Loaded(str(path), model, meta, x_val, y_val))
    return out


def by_seed(loaded: list) -> dict[int, list]:
    """Checkpoints (Loaded) grouped by their seed, in the order each seed first appears: the models
    of one seed share a validation split, so an analysis scores them together."""
    groups: dict[int, list] = {}
    for item in loaded:
        groups.setdefault(item.meta.seed, []).append(item)
    return groups
