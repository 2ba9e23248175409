import numpy as np
import pytest
import torch

from conftest import make_meta
from lowcap.core.protocol import Protocol
from lowcap.core.model import MLP, Bank, CheckpointError, init_params, load_checkpoint, save_checkpoint
from lowcap.core.train import train_bank


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
    # float64 throughout. Hidden pre-activations are 785-term sums: at most gamma_785 * sum|w x|
    # ~ 8.7e-14 * 31 = 2.7e-12 apart between torch's and numpy's summation orders; the output
    # weights (sum |w2| ~ 0.5) carry that to ~1.4e-12 in the logits, which are 0.06 to 0.4 here:
    # rtol 1e-10 (>= 6e-12) + atol 1e-12 covers it. (A wrong layer or sign is off by > 1e-2.)
    np.testing.assert_allclose(logits.detach().numpy(), z_ref, rtol=1e-10, atol=1e-12)
    # The gradients are sums of 50 products of those (dz ~ 1e-2, p errs by <= 1/4 of the logit's
    # error): absolute error ~1e-14; the smallest nonzero gradient here is ~1.6e-7, so rtol 1e-8
    # holds it to ~1e-15, and atol 1e-12 covers entries that are (nearly) zero. A unit whose
    # pre-activation is within 1e-12 of 0 could flip its ReLU mask: not the case for these seeds.
    for name, param in model.named_parameters():
        np.testing.assert_allclose(param.grad.numpy(), grads_ref[name], rtol=1e-8, atol=1e-12)


def test_bank_forward_equals_separate_models():
    rng = np.random.default_rng(1)
    x = torch.from_numpy(rng.random((40, 784)).astype(np.float32))
    params = [init_params(w, seed=0, init="xavier_uniform", init_std=0.1) for w in (2, 5, 9)]
    logits = Bank.from_params(params).forward(x)
    # float32: each hidden unit is a 784-term sum that the wide and the narrow matmul may add in
    # different orders (differently again on other BLAS builds or core counts). Rounding errors of
    # 2^-24 * |partial sum| (~1) accumulate like a random walk: ~sqrt(784) * 6e-8 ~ 1.7e-6 (5e-7
    # measured here). atol 1e-5 leaves room; rtol 1e-5 of logits <= 1. A mis-wired unit would be
    # off by ~0.1.
    for k, p in enumerate(params):
        model = MLP(p["hidden.weight"].shape[0])
        model.load_state_dict(p)
        torch.testing.assert_close(logits[:, k], model(x), rtol=1e-5, atol=1e-5)


def test_bank_logits_and_grads_equal_autograd():
    """The hand-written gradients of Bank.logits_and_grads against autograd on the same bank, in
    float64 so that the comparison is about the formula, not rounding: each model's mean BCE,
    summed, differentiated with respect to the bank's tensors."""
    rng = np.random.default_rng(4)
    x = torch.from_numpy(rng.random((37, 784)))
    y = torch.from_numpy((rng.random(37) < 0.5).astype(np.float64))
    params = [{k: v.double() for k, v in init_params(w, seed=w, init="normal", init_std=0.1).items()}
              for w in (1, 3, 7)]
    bank = Bank.from_params(params)
    bank.gather = bank.gather.double()
    logits, grads = bank.logits_and_grads(x, y)
    leaves = [p.clone().requires_grad_(True) for p in bank.parameters()]
    auto = Bank(*leaves, bank.widths, bank.gather)
    auto_logits = auto.forward(x)
    loss = torch.nn.functional.binary_cross_entropy_with_logits(
        auto_logits, y.unsqueeze(1).expand_as(auto_logits), reduction="none").mean(0).sum()
    loss.backward()
    # float64, sums of at most 37 x 784 terms of size <= 1: rounding ~1e-13, far below 1e-10.
    torch.testing.assert_close(logits, auto_logits.detach(), rtol=1e-10, atol=1e-12)
    for mine, leaf in zip(grads, leaves, strict=True):
        torch.testing.assert_close(mine, leaf.grad, rtol=1e-10, atol=1e-12)


def test_init_depends_only_on_seed_and_width():
    a = init_params(8, 42, "normal", 0.1)
    b = init_params(8, 42, "normal", 0.1)
    c = init_params(8, 0, "normal", 0.1)
    assert all(torch.equal(a[k], b[k]) for k in a)
    assert not torch.equal(a["hidden.weight"], c["hidden.weight"])
    # Sampling, not rounding: the std of 8 * 784 normal draws has relative sd 1/sqrt(2 * 6272) =
    # 0.009, so 5% is 5.6 sd.
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
        # float32 logits differ by ~1e-6 between bank shapes (test above); 8 steps of lr <= 0.2
        # move the weights apart by about as much (1.5e-7 measured). atol 1e-5 leaves room.
        for name, value in alone_states[0].items():
            torch.testing.assert_close(states[k][name], value, rtol=0, atol=1e-5)
        ours = hist[(hist.width == w) & (hist.lr == lr)].reset_index(drop=True)
        ref = alone_hist.reset_index(drop=True)
        # Same arithmetic in a wider matmul: float32 rounding only (~1e-6); F1 and AUC may move by
        # one example of the 32 or 96 at most if rounding crosses a threshold.
        np.testing.assert_allclose(ours["loss"], ref["loss"], rtol=1e-5, atol=1e-6)
        for col in ("f1", "auc"):
            np.testing.assert_allclose(ours[col], ref[col], rtol=0, atol=1 / 32)


def test_checkpoint_roundtrip_and_truncation(tmp_path):
    state = init_params(4, 0, "normal", 0.1)
    path = tmp_path / "w4_s0.pt"
    meta = make_meta("4-9", 4, 0, "abc")
    save_checkpoint(path, state, meta)
    model, loaded = load_checkpoint(path)  # weights_only=True inside
    assert loaded == meta
    # Saved and loaded bit for bit.
    torch.testing.assert_close(model.hidden.weight.detach(), state["hidden.weight"], rtol=0, atol=0)
    raw = path.read_bytes()
    path.write_bytes(raw[: len(raw) // 2])
    with pytest.raises(CheckpointError, match="w4_s0.pt.*Delete it and run snakemake again"):
        load_checkpoint(path)
    with pytest.raises(CheckpointError, match="not found: .*missing.pt"):
        load_checkpoint(tmp_path / "missing.pt")


def straightforward_training(width, lr, seed, proto, x, y, xv, yv):
    """The textbook loop: one nn.Module, autograd, torch.optim.SGD, scikit-learn metrics. Minibatches
    are drawn as the bank draws them (one seeded generator, a fresh permutation every epoch)."""
    from sklearn.metrics import f1_score, roc_auc_score

    model = MLP(width)
    model.load_state_dict(init_params(width, seed, proto.init, proto.init_std))
    optimiser = torch.optim.SGD(model.parameters(), lr=lr)
    loss_fn = torch.nn.BCEWithLogitsLoss()
    xt, yt, xvt, yvt = map(torch.from_numpy, (x, y, xv, yv))
    shuffle = torch.Generator().manual_seed(seed)
    batch = proto.batch_size or len(x)
    rows = []
    for epoch in range(proto.epochs + 1):
        with torch.no_grad():
            for split, xs, ys in (("train", xt, yt), ("val", xvt, yvt)):
                prob = torch.sigmoid(model(xs)).numpy()
                rows.append((epoch, split, loss_fn(model(xs), ys).item(),
                             f1_score(ys, prob > 0.5, zero_division=0), roc_auc_score(ys, prob)))
        if epoch < proto.epochs:
            order = torch.randperm(len(x), generator=shuffle) if proto.batch_size else torch.arange(len(x))
            for start in range(0, len(x), batch):
                idx = order[start: start + batch]
                optimiser.zero_grad()
                loss_fn(model(xt[idx]), yt[idx]).backward()
                optimiser.step()
    return model.state_dict(), rows


@pytest.mark.parametrize("batch_size", [None, 64])
def test_bank_training_matches_the_straightforward_loop(pool, batch_size):
    """The speed-ups (one wide bank, gradients written out) change only rounding, against the
    textbook loop on real data, full batch and minibatch (the `explicit` path, 7 steps an epoch)."""
    from lowcap.core.data import pair_data

    d = pair_data(*pool, "4-9", 0)
    x, y, xv, yv = d.x_train[:400], d.y_train[:400], d.x_val[:200], d.y_val[:200]
    proto = Protocol(lr=0.03, epochs=15, batch_size=batch_size, init="normal", init_std=0.1)
    widths = [2, 6, 16]
    states, hist = train_bank(widths, [0.03] * 3, 11, proto, x, y, xv, yv)
    for k, width in enumerate(widths):
        ref_state, ref_rows = straightforward_training(width, 0.03, 11, proto, x, y, xv, yv)
        # float32 updates from sums of up to 400 x 784 products: the two summation orders drift
        # apart by ~1e-7 per step; 15 epochs of up to 7 steps stay well inside 1e-5.
        for name, value in ref_state.items():
            torch.testing.assert_close(states[k][name], value, rtol=0, atol=1e-5)
        ours = hist[hist.width == width].set_index(["epoch", "split"])
        for epoch, split, loss, f1, auc in ref_rows:
            row = ours.loc[(epoch, split)]
            n = len(y) if split == "train" else len(yv)
            # Loss: a float32 mean of n terms, ~1e-6 relative. F1 and AUC change only if rounding
            # moves a probability across 0.5 or past another one: at most one example's worth.
            assert row.loss == pytest.approx(loss, rel=1e-5, abs=1e-6)
            assert row.f1 == pytest.approx(f1, abs=1 / n)
            assert row.auc == pytest.approx(auc, abs=1 / n)
