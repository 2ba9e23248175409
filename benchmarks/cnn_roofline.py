"""Training throughput of the CNN bank (lowcap.core.cnn_train) against plain torch.mm (issue #19).

    python3 benchmarks/cnn_roofline.py      # both CNN studies, one thread, about 2 minutes

As benchmarks/run.py's `roofline` does for the MLP bank: one (pair 4-9, seed 0) bank of a CNN study
on the 10k MNIST pool, every channel count of config.yaml's cnn.channels, timed against torch.mm
running the products that training needs on the same shapes, in GFLOP/s. A study's protocol decides
full batch (`released-cnn`) or minibatches of 128 (`explicit-cnn`).

The products, per image row, S = sum of the channel counts, 169 positions, 9 kernel weights:
  convolution forward     (rows*169, 9) x (9, S)            2 * 169 * 9 * S
  output forward          (rows, 169 S) x (169 S, 1)        2 * 169 * S   (each model's linear output)
  output weight gradient  (169 S, rows) x (rows, 1)         2 * 169 * S
  output input gradient   (rows, 1) x (1, 169 S)            2 * 169 * S   (the gradient at the ReLU)
  convolution weight grad (S, rows*169) x (rows*169, 9)     2 * 169 * 9 * S
The convolution's input gradient is not needed (its input is the image). A training pass does all
five, a metrics pass the two forward ones. Per epoch: full batch, one training pass over the
training split (its forward pass also gives the epoch's training metrics; the bank runs it at the
last epoch too, as the MLP roofline counts) and a metrics pass over the validation split;
minibatch, metrics passes over both splits and, before the last epoch, a training pass per batch.
Biases, ReLU, loss and AUC are not products: their time is what the bank spends above the roofline.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))  # the sibling modules
from timing import best_of  # noqa: E402


REPO = Path(__file__).resolve().parents[1]
MNIST = REPO.parent / "shared" / "mnist"
POSITIONS, TAPS = 169, 9
CONV_FLOPS, OUT_FLOPS = 2 * POSITIONS * TAPS, 2 * POSITIONS  # per row and channel, one product


class Products:
    """The five products of one pass, as plain torch.mm on preallocated operands, `chunk` rows at a
    time (the bank's lowcap.core.cnn_train.CHUNK, or every row at once)."""

    def __init__(self, rows: int, channels: int, chunk: int):
        self.chunk, self.s = chunk, channels
        self.p = torch.rand(rows * POSITIONS, TAPS)  # the patches
        self.w = torch.randn(channels, TAPS)
        self.h = torch.rand(rows, POSITIONS * channels)  # the ReLU's output, flattened per row
        self.w_out = torch.randn(POSITIONS * channels, 1)
        self.g = torch.randn(rows, 1)  # the loss's gradient at the output
        self.g_pre = torch.randn(rows * POSITIONS, channels)  # the gradient at the convolution's output

    def forward(self, start: int, stop: int) -> None:
        torch.mm(self.p[start * POSITIONS: stop * POSITIONS], self.w.T)
        torch.mm(self.h[start: stop], self.w_out)

    def backward(self, start: int, stop: int) -> None:
        torch.mm(self.h[start: stop].T, self.g[start: stop])
        torch.mm(self.g[start: stop], self.w_out.T)
        torch.mm(self.g_pre[start * POSITIONS: stop * POSITIONS].T, self.p[start * POSITIONS: stop * POSITIONS])

    def run(self, start: int, stop: int, train: bool) -> None:
        """One pass over rows start:stop, chunk by chunk."""
        for s in range(start, stop, self.chunk):
            e = min(s + self.chunk, stop)
            self.forward(s, e)
            if train:
                self.backward(s, e)


def plain_matmuls(n: int, nv: int, channels: int, epochs: int, batch: int | None, chunk: int) -> float:
    """Best-of-3 seconds of the products of a whole training run as torch.mm."""
    train, val = Products(n, channels, chunk), Products(nv, channels, chunk)

    def run_all():
        for epoch in range(epochs + 1):
            val.run(0, nv, train=False)
            if batch is None:
                train.run(0, n, train=True)
                continue
            train.run(0, n, train=False)
            if epoch < epochs:
                for start in range(0, n, batch):  # the same rows in the same sizes; which rows is immaterial
                    train.run(start, min(start + batch, n), train=True)

    return best_of(run_all)


def training_flops(n: int, nv: int, channels: int, epochs: int, batch: int | None) -> int:
    forward = (CONV_FLOPS + OUT_FLOPS) * channels  # per row
    trained = (2 * CONV_FLOPS + 3 * OUT_FLOPS) * channels
    if batch is None:
        return (epochs + 1) * (trained * n + forward * nv)
    return (epochs + 1) * forward * (n + nv) + epochs * trained * n


def cnn_roofline(config: dict, study: str) -> dict:
    """GFLOP/s of training one (pair 4-9, seed 0) CNN bank of `study` against torch.mm on the same
    shapes (minibatches included), one thread; the roofline is the faster of the products chunked
    as the bank chunks its passes and unchunked."""
    from lowcap.core.cnn_train import CHUNK, train_cnn_bank
    from lowcap.core.data import load_pool, pair_data
    from lowcap.core.settings import protocol

    torch.set_num_threads(1)
    d = pair_data(*load_pool(MNIST / "t10k-images-idx3-ubyte.gz", MNIST / "t10k-labels-idx1-ubyte.gz"), "4-9", 0)
    channels, proto = config["cnn"]["channels"], protocol(config["studies"][study].get("training", {}))
    s, n, nv, epochs, batch = sum(channels), len(d.x_train), len(d.x_val), proto.epochs, proto.batch_size
    flops = training_flops(n, nv, s, epochs, batch)
    train_s = best_of(lambda: train_cnn_bank(channels, 0, proto, d.x_train, d.y_train, d.x_val, d.y_val))
    chunked = plain_matmuls(n, nv, s, epochs, batch, CHUNK)
    whole = plain_matmuls(n, nv, s, epochs, batch, max(n, nv))
    matmul_s = min(chunked, whole)
    return {
        "study": study,
        "shape": f"train {n}x169 patches @ 9x{s} ({len(channels)} models), val {nv}, {epochs + 1} epochs, "
                 f"batch {batch or 'full'}; matmuls {'chunked by ' + str(CHUNK) if chunked <= whole else 'unchunked'}",
        "train_s": round(train_s, 2),
        "train_gflops": round(flops / train_s / 1e9, 2),
        "matmul_gflops": round(flops / matmul_s / 1e9, 2),
        "fraction_of_roofline": round(matmul_s / train_s, 3),
    }


def main() -> None:
    from lowcap.core.settings import merge_files

    config = merge_files([REPO / "config.yaml"])
    for study in ("released-cnn", "explicit-cnn"):
        print(cnn_roofline(config, study), flush=True)


if __name__ == "__main__":
    main()
