"""Evaluating saved checkpoints on the validation split they were trained with."""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from lowcap import data


class SplitMismatch(RuntimeError):
    pass


@lru_cache(maxsize=4)
def _pool(images: str, labels: str) -> tuple[np.ndarray, np.ndarray]:
    return data.load_pool(images, labels)


def validation_data(images: str, labels: str, meta: dict) -> tuple[np.ndarray, np.ndarray]:
    """x_val (n, 784) float32 in [0, 1] and y_val (n,) of the checkpoint described by `meta`.

    The split is recomputed from (pool, pair, seed) and must match the digest the checkpoint
    recorded at training time, so a checkpoint is never scored on data it was trained on.
    """
    x_img, y_lab = _pool(images, labels)
    d = data.pair_data(x_img, y_lab, meta["pair"], int(meta["seed"]))
    if d.split.digest() != meta["split_digest"]:
        raise SplitMismatch(
            f"the validation split of pair {meta['pair']} seed {meta['seed']} recomputed from "
            f"{images} has digest {d.split.digest()}, the checkpoint was trained with "
            f"{meta['split_digest']} (different pool or dataset?)"
        )
    return d.x_val, d.y_val
