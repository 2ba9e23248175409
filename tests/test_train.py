import numpy as np
import torch

from lowcap.core.protocol import Protocol
from lowcap.core.train import train_bank


def separable_toy(n=200, seed=0):
    rng = np.random.default_rng(seed)
    y = (rng.random(n) < 0.5).astype(np.float32)
    x = rng.random((n, 784)).astype(np.float32) * 0.2
    x[:, :50] += 0.8 * y[:, None]  # class 1 lights up the first 50 pixels
    return x, y


def test_training_lowers_the_loss_and_separates_a_toy_problem():
    x, y = separable_toy()
    proto = Protocol(lr=0.5, epochs=60, batch_size=None, init="normal", init_std=0.1)
    _, hist = train_bank([4, 16], [0.5, 0.5], 0, proto, x[:150], y[:150], x[150:], y[150:])
    # Learning outcomes, not rounding: the loss falls to < 1% of its start and F1 = AUC = 1.0
    # here, so the thresholds below have wide margins.
    train = hist[hist.split == "train"]
    for width, rows in train.groupby("width"):
        assert rows.loss.iloc[-1] < 0.5 * rows.loss.iloc[0]
    final_val = hist[(hist.split == "val") & (hist.epoch == 60)]
    assert (final_val.f1 > 0.95).all() and (final_val.auc > 0.99).all()


def test_training_is_bit_identical_on_rerun():
    x, y = separable_toy(seed=1)
    for batch_size in (None, 32):
        proto = Protocol(lr=0.1, epochs=5, batch_size=batch_size, init="xavier_uniform", init_std=0.1)
        runs = [train_bank([3, 7], [0.1, 0.1], 5, proto, x[:150], y[:150], x[150:], y[150:]) for _ in range(2)]
        (s1, h1), (s2, h2) = runs
        for a, b in zip(s1, s2):
            assert all(torch.equal(a[k], b[k]) for k in a)
        assert h1.equals(h2)


def test_history_has_every_epoch_split_and_model():
    x, y = separable_toy(seed=2)
    proto = Protocol(lr=0.1, epochs=3, batch_size=None, init="normal", init_std=0.1)
    _, hist = train_bank([2, 5], [0.1, 0.1], 0, proto, x[:150], y[:150], x[150:], y[150:])
    assert len(hist) == 2 * 2 * 4  # widths x splits x (epochs 0..3)
    assert set(hist.columns) >= {"width", "lr", "epoch", "split", "loss", "f1", "auc"}


def test_both_banks_declare_the_interface_run_bank_trains():
    """lowcap.core.train.TrainableBank: every member it declares is defined by the MLP bank and the CNN bank."""
    from lowcap.core.cnn_train import CNNBank
    from lowcap.core.model import Bank
    from lowcap.core.train import TrainableBank

    declared = {name for name in vars(TrainableBank) if not name.startswith("_")}
    assert {"n_models", "parameters", "unit_values", "forward", "logits_and_grads", "mask_applier"} <= declared
    for bank in (Bank, CNNBank):
        assert all(callable(getattr(bank, name, None)) or isinstance(getattr(bank, name, None), property)
                   for name in declared), bank
