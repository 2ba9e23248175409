import numpy as np
import pytest
import torch

from conftest import make_meta
from lowcap.settings import Protocol
from lowcap.model import MLP, Bank, CheckpointError, init_params, load_checkpoint, save_checkpoint
from lowcap.train import train_bank


def numpy_reference(params, x, y):
    """Forward pass and BCE gradients of one MLP, derived by hand, in float64."""
    w1, b1 = params["hidden.weight"].double().numpy(), params["hidden.bias"].double().numpy()
    w2, b2 = params["output.weight"].double().numpy()[0], params["output.bias"].double().numpy()[0]
    pre = x @ w1.T + b1
    h = np.maximum(pre, 0)
    z = h @ w2 + b2
    p = 1 / (1 + np.exp(-z))
    dz = (p - y) / len(y)  # d(mean BCE)/dz
    dh = np.outer(dz, w2) * (pre > 0)
    grads = {
        "hidden.weight": dh.T @ x,
        "hidden.bias": dh.sum(0),
        "output.weight": (h.T @ dz)[None, :],
        "output.bias": np.array([dz.sum()]),
    }
    return z, grads


def test_forward_and_gradients_match_independent_reference():
    rng = np.random.default_rng(0)
    x = rng.random((50, 784))
    y = (rng.random(50) < 0.5).astype(np.float64)
    params = init_params(6, seed=3, init="normal", init_std=0.1)
    model = MLP(6).double()
    model.load_state_dict({k: v.double() for k, v in params.items()})
    logits = model(torch.from_numpy(x))
    loss = torch.nn.functional.binary_cross_entropy_with_logits(logits, torch.from_numpy(y))
    loss.backward()
    z_ref, grads_ref = numpy_reference(params, x, y)
    np.testing.assert_allclose(logits.detach().numpy(), z_ref, rtol=1e-10, atol=1e-12)
    for name, param in model.named_parameters():
        np.testing.assert_allclose(param.grad.numpy(), grads_ref[name], rtol=1e-8, atol=1e-12)


def test_bank_forward_equals_separate_models():
    rng = np.random.default_rng(1)
    x = torch.from_numpy(rng.random((40, 784)).astype(np.float32))
    params = [init_params(w, seed=0, init="xavier_uniform", init_std=0.1) for w in (2, 5, 9)]
    logits = Bank.from_params(params).forward(x)
    for k, p in enumerate(params):
        model = MLP(p["hidden.weight"].shape[0])
        model.load_state_dict(p)
        torch.testing.assert_close(logits[:, k], model(x), rtol=1e-5, atol=1e-6)


def test_init_depends_only_on_seed_and_width():
    a = init_params(8, 42, "normal", 0.1)
    b = init_params(8, 42, "normal", 0.1)
    c = init_params(8, 0, "normal", 0.1)
    assert all(torch.equal(a[k], b[k]) for k in a)
    assert not torch.equal(a["hidden.weight"], c["hidden.weight"])
    assert a["hidden.weight"].std().item() == pytest.approx(0.1, rel=0.05)
    assert torch.count_nonzero(a["hidden.bias"]) == 0


@pytest.mark.parametrize("batch_size", [None, 16])
def test_bank_training_equals_separate_training(batch_size):
    """The wide bank is a speed device only: each model ends where training it alone ends,
    up to floating-point rounding (weights within 1e-5, metrics equal to 3 decimals)."""
    rng = np.random.default_rng(2)
    x = rng.random((96, 784)).astype(np.float32)
    y = (x[:, :392].mean(1) > x[:, 392:].mean(1)).astype(np.float32)
    xv, yv = x[:32], y[:32]
    proto = Protocol(lr=0.05, epochs=8, batch_size=batch_size, init="normal", init_std=0.1)
    widths, lrs = [2, 4, 8], [0.05, 0.05, 0.2]
    states, hist = train_bank(widths, lrs, 7, proto, x, y, xv, yv)
    for k, (w, lr) in enumerate(zip(widths, lrs)):
        alone_states, alone_hist = train_bank([w], [lr], 7, proto, x, y, xv, yv)
        for name, value in alone_states[0].items():
            torch.testing.assert_close(states[k][name], value, rtol=0, atol=1e-5)
        ours = hist[(hist.width == w) & (hist.lr == lr)].reset_index(drop=True)
        ref = alone_hist.reset_index(drop=True)
        for col in ("loss", "f1", "auc"):
            np.testing.assert_allclose(ours[col].round(3), ref[col].round(3), atol=1e-3 + 1e-9)


def test_checkpoint_roundtrip_and_truncation(tmp_path):
    state = init_params(4, 0, "normal", 0.1)
    path = tmp_path / "w4_s0.pt"
    meta = make_meta("4-9", 4, 0, "abc")
    save_checkpoint(path, state, meta)
    model, loaded = load_checkpoint(path)  # weights_only=True inside
    assert loaded == meta
    torch.testing.assert_close(model.hidden.weight.detach(), state["hidden.weight"])
    raw = path.read_bytes()
    path.write_bytes(raw[: len(raw) // 2])
    with pytest.raises(CheckpointError, match="w4_s0.pt.*Delete it and run snakemake again"):
        load_checkpoint(path)
    with pytest.raises(CheckpointError, match="not found: .*missing.pt"):
        load_checkpoint(tmp_path / "missing.pt")


def straightforward_training(width, lr, seed, proto, x, y, xv, yv):
    """The textbook loop: one nn.Module, autograd, torch.optim.SGD, scikit-learn metrics."""
    from sklearn.metrics import f1_score, roc_auc_score

    model = MLP(width)
    model.load_state_dict(init_params(width, seed, proto.init, proto.init_std))
    optimiser = torch.optim.SGD(model.parameters(), lr=lr)
    loss_fn = torch.nn.BCEWithLogitsLoss()
    xt, yt, xvt, yvt = map(torch.from_numpy, (x, y, xv, yv))
    rows = []
    for epoch in range(proto.epochs + 1):
        with torch.no_grad():
            for split, xs, ys in (("train", xt, yt), ("val", xvt, yvt)):
                prob = torch.sigmoid(model(xs)).numpy()
                rows.append((epoch, split, loss_fn(model(xs), ys).item(),
                             f1_score(ys, prob > 0.5, zero_division=0), roc_auc_score(ys, prob)))
        if epoch < proto.epochs:
            optimiser.zero_grad()
            loss_fn(model(xt), yt).backward()
            optimiser.step()
    return model.state_dict(), rows


@pytest.mark.parametrize("batch_size", [None, 64])
def test_bank_training_matches_the_straightforward_loop(pool, batch_size):
    """The speed-ups (one wide bank, gradients written out) change only rounding: weights within
    1e-5 and every reported metric equal to 3 decimals, against the textbook loop, on real data."""
    from lowcap.data import pair_data

    d = pair_data(*pool, "4-9", 0)
    x, y, xv, yv = d.x_train[:400], d.y_train[:400], d.x_val[:200], d.y_val[:200]
    proto = Protocol(lr=0.03, epochs=15, batch_size=batch_size, init="normal", init_std=0.1)
    widths = [2, 6, 16]
    if batch_size is not None:  # the textbook loop below is full batch
        proto = Protocol(lr=0.03, epochs=15, batch_size=len(x), init="normal", init_std=0.1)
    states, hist = train_bank(widths, [0.03] * 3, 11, proto, x, y, xv, yv)
    for k, width in enumerate(widths):
        ref_state, ref_rows = straightforward_training(width, 0.03, 11, proto, x, y, xv, yv)
        for name, value in ref_state.items():
            torch.testing.assert_close(states[k][name], value, rtol=0, atol=1e-5)
        ours = hist[hist.width == width].set_index(["epoch", "split"])
        for epoch, split, loss, f1, auc in ref_rows:
            row = ours.loc[(epoch, split)]
            assert (round(row.loss, 3), round(row.f1, 3), round(row.auc, 3)) == (round(loss, 3), round(f1, 3), round(auc, 3))
