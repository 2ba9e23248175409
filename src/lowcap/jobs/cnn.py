"""The convolutional baseline (issue 11): training the CNNs of one (study, pair). The comparison
with the MLP study of the same protocol is lowcap.jobs.compare_figures."""

from __future__ import annotations

from lowcap.core.cnn_train import train_cnn_bank
from lowcap.jobs.train import train_pair


def train_cnn_pair(images: str, labels: str, study: dict, pair: str, seeds: list[int], channels: list[int],
                   protocol: dict, checkpoints: list[str], history: str, threads: int = 1) -> None:
    """lowcap.jobs.train.train_pair with the CNN bank (lowcap.core.cnn_train): every channel count of
    every seed of one pair, one bank per seed; checkpoints record architecture 'cnn' and their
    channel count as the capacity every checkpoint records (CheckpointMeta.width)."""
    train_pair(images, labels, study, pair, seeds, channels, protocol, checkpoints, history, threads,
               architecture="cnn", trainer=train_cnn_bank)
