"""The convolutional baseline (issue 11): model, bank training, checkpoints, pruning, robustness."""

import numpy as np
import pandas as pd
import pytest
import torch

from conftest import make_meta
from lowcap.core.architecture import parameter_count
from lowcap.core.cnn import CNN, POSITIONS, init_params
from lowcap.core.cnn_train import CHUNK, CNNBank, patches, train_cnn_bank
from lowcap.core.model import MLP, load_checkpoint, save_checkpoint
from lowcap.core.protocol import Protocol


def toy(n=160, seed=0):
    """Class 1 lights up a 6x6 corner: learnable by a 3x3 convolution."""
    rng = np.random.default_rng(seed)
    y = (rng.random(n) < 0.5).astype(np.float32)
    x = rng.random((n, 28, 28)).astype(np.float32) * 0.3
    x[:, :6, :6] += 0.7 * y[:, None, None]
    return x.reshape(n, 784), y


@pytest.mark.parametrize("channels", [1, 5, 16])
def test_shapes_and_parameter_count(channels):
    model = CNN(channels)
    x = torch.rand(7, 784)
    assert model(x).shape == (7,)
    assert model.hidden_activations(x).shape == (7, channels * POSITIONS)
    assert POSITIONS == 13 * 13
    n = sum(p.numel() for p in model.parameters())
    assert n == parameter_count("cnn", channels) == 179 * channels + 1
    assert sum(p.numel() for p in MLP(channels).parameters()) == parameter_count("mlp", channels)
    assert set(model.state_dict()) == set(init_params(channels, 0, "normal", 0.1))


def test_patches_are_the_convolution():
    """The bank's im2col product equals torch's conv2d on the same weights."""
    x = torch.rand(5, 784)
    params = init_params(4, seed=1, init="xavier_uniform", init_std=0.1)
    model = CNN(4)
    model.load_state_dict(params)
    bank = CNNBank.from_params([params])
    # float32, 9-term sums per position and 676-term sums in the output: the two paths add in
    # different orders; |activations| < 3 and |weights| < 0.1 here, so rounding stays below
    # 676 * 3 * 0.1 * 2^-24 ~ 1.2e-5. atol 1e-4 leaves margin; a transposed kernel errs by > 1e-2.
    with torch.no_grad():
        np.testing.assert_allclose(bank.forward(patches(x)).squeeze(1).numpy(), model(x).numpy(), atol=1e-4)
    assert all(torch.equal(a, b) for a, b in zip(bank.split()[0].values(), params.values()))


@pytest.mark.parametrize("batch_size", [None, 32])
def test_bank_equals_training_each_cnn_alone(batch_size):
    """Every model of a bank ends where it ends when trained alone from the same seed."""
    x, y = toy()
    proto = Protocol(lr=0.1, epochs=8, batch_size=batch_size, init="normal", init_std=0.1)
    states, hist = train_cnn_bank([1, 3, 6], 4, proto, x[:120], y[:120], x[120:], y[120:])
    for channels, state in zip([1, 3, 6], states):
        alone, hist_alone = train_cnn_bank([channels], 4, proto, x[:120], y[:120], x[120:], y[120:])
        # Exact in exact arithmetic (each model's loss term depends only on its own parameters, and
        # the shuffling generator is seeded with the seed alone). In float32 the wide and the narrow
        # products sum their terms in other orders: ~1e-7 relative per step, amplified over 8 steps
        # of lr 0.1 and the ReLU masks; weights are O(0.1-1). 1e-4 absolute covers it with margin, a
        # gradient leaking between models changes the weights by > 1e-2.
        for key in state:
            torch.testing.assert_close(state[key], alone[0][key], atol=1e-4, rtol=0)
        mine = hist[hist.width == channels].reset_index(drop=True)
        pd.testing.assert_frame_equal(mine[["epoch", "split"]], hist_alone[["epoch", "split"]])
        np.testing.assert_allclose(mine.loss, hist_alone.loss, atol=1e-4)


def test_autograd_gradient_is_each_models_own():
    """The bank's gradient of model k equals the gradient of CNN k's mean BCE, autograd on nn.Conv2d,
    for every parameter: convolution weights and biases, output weights and bias."""
    x, y = toy(40, seed=3)
    params = [init_params(c, 7, "normal", 0.1) for c in (2, 5)]
    for p in params:  # nonzero biases, so that a bias gradient read from the wrong channel shows
        p["conv.bias"] = torch.linspace(-0.2, 0.2, p["conv.bias"].numel())
    bank = CNNBank.from_params(params)
    _, grads = bank.logits_and_grads(patches(torch.as_tensor(x)), torch.as_tensor(y))
    start = 0
    for k, p in enumerate(params):
        model = CNN(p["conv.weight"].shape[0])
        model.load_state_dict(p)
        loss = torch.nn.functional.binary_cross_entropy_with_logits(model(torch.as_tensor(x)), torch.as_tensor(y))
        loss.backward()
        c = p["conv.weight"].shape[0]
        sl = slice(start, start + c)
        # float32 sums of up to 40 x 169 terms in another order: gradients ~1e-2, error < 1e-6.
        torch.testing.assert_close(grads[0][sl], model.conv.weight.grad.reshape(c, 9), atol=1e-6, rtol=1e-4)
        torch.testing.assert_close(grads[1][sl], model.conv.bias.grad, atol=1e-6, rtol=1e-4)
        torch.testing.assert_close(grads[2][:, sl].T.reshape(1, -1), model.output.weight.grad, atol=1e-6, rtol=1e-4)
        torch.testing.assert_close(grads[3][k: k + 1], model.output.bias.grad, atol=1e-6, rtol=1e-4)
        start += c


def test_written_out_gradient_is_autograds_bit_for_bit():
    """CNNBank's written-out backward pass against autograd on the expression it replaced: the
    same products and reductions on tensors of the same layouts, so equal to the last bit, chunk
    by chunk and summed (what keeps checkpoints and histories byte-identical, issue #19)."""
    x, y = toy(100, seed=6)  # 100 rows: a full chunk and a partial one
    params = [init_params(c, 3, "normal", 0.1) for c in (1, 4, 7)]
    for p in params:
        p["conv.bias"] = torch.linspace(-0.2, 0.2, p["conv.bias"].numel())
    bank = CNNBank.from_params(params)
    p, y = patches(torch.as_tensor(x)), torch.as_tensor(y)
    logits, grads = bank.logits_and_grads(p, y)
    leaves = [t.clone().requires_grad_() for t in bank.parameters()]
    w_conv, b_conv, w_out, b_out = leaves
    auto_logits, auto_grads = [], []
    for start in range(0, len(p), CHUNK):
        h = torch.relu(torch.matmul(p[start: start + CHUNK], w_conv.T) + b_conv)
        part = (h * w_out).sum(1) @ bank.gather + b_out
        target = y[start: start + CHUNK].unsqueeze(1).expand_as(part)
        loss = torch.nn.functional.binary_cross_entropy_with_logits(part, target, reduction="sum") / len(p)
        auto_grads.append(torch.autograd.grad(loss, leaves))
        auto_logits.append(part.detach())
    summed = [a.clone() for a in auto_grads[0]]
    for more in auto_grads[1:]:
        summed = [a.add_(b) for a, b in zip(summed, more)]
    assert torch.equal(logits, torch.cat(auto_logits)) and torch.equal(bank.forward(p), logits)
    assert all(torch.equal(mine, auto) for mine, auto in zip(grads, summed, strict=True))


def test_training_learns_the_toy_problem():
    x, y = toy(seed=5)
    proto = Protocol(lr=0.3, epochs=40, batch_size=None, init="normal", init_std=0.1)
    _, hist = train_cnn_bank([2, 4], 0, proto, x[:120], y[:120], x[120:], y[120:])
    final = hist[(hist.split == "val") & (hist.epoch == 40)]
    assert (final.f1 > 0.95).all()  # a learning outcome, not rounding: the margin is wide
    assert len(hist) == 2 * 2 * 41


def test_cnn_checkpoint_loads_with_weights_only(tmp_path):
    params = init_params(3, 0, "normal", 0.1)
    meta = make_meta("4-9", 3, 0, "abc")
    meta = type(meta)(**{**meta.__dict__, "architecture": "cnn"})
    save_checkpoint(tmp_path / "c.pt", params, meta)
    blob = torch.load(tmp_path / "c.pt", weights_only=True)  # plain tensors and JSON-like metadata
    assert blob["meta"]["architecture"] == "cnn"
    model, loaded = load_checkpoint(tmp_path / "c.pt")
    assert isinstance(model, CNN) and loaded.architecture == "cnn" and model.conv.weight.shape == (3, 1, 3, 3)


def test_an_mlp_checkpoint_without_architecture_still_loads(tmp_path):
    """Checkpoints written before the CNN baseline have no `architecture` key: MLPs."""
    from lowcap.core.model import init_params as mlp_params

    meta = make_meta("4-9", 2, 0, "abc").__dict__
    meta.pop("architecture")
    torch.save({"state_dict": mlp_params(2, 0, "normal", 0.1), "meta": meta}, tmp_path / "old.pt")
    model, loaded = load_checkpoint(tmp_path / "old.pt")
    assert isinstance(model, MLP) and loaded.architecture == "mlp"


def test_a_cnn_study_takes_the_channel_grid_and_its_analyses():
    from test_settings import SCHEMA, default_config

    from lowcap.core.settings import ConfigError, load_settings

    config = default_config()
    settings = load_settings(config, SCHEMA)
    study = settings.study("explicit-cnn")
    assert study.architecture == "cnn" and study.widths == tuple(config["cnn"]["channels"])
    assert study.analyses == ("capacity", "pruning", "robustness")
    assert {s.name: s.scope for s in study.pruning}["global"] == "global"
    assert settings.study("explicit").architecture == "mlp"
    del config["cnn"]
    with pytest.raises(ConfigError, match="'cnn.channels' is missing"):
        load_settings(config, SCHEMA)
    config = default_config()
    config["studies"]["released-cnn"]["architecture"] = "rnn"
    with pytest.raises(ConfigError, match="'studies.released-cnn.architecture' is 'rnn'; allowed values: 'mlp', 'cnn'"):
        load_settings(config, SCHEMA)


def test_pruning_a_cnn_counts_both_layers_and_dead_channels():
    from lowcap.analyses.pruning import dead_units, disconnected_units, prune_copy, weight_sparsity

    model = CNN(4)
    model.load_state_dict(init_params(4, 0, "normal", 0.1))
    for scope in ("layer", "global"):
        pruned = prune_copy(model, 95, scope)
        counts = weight_sparsity(pruned)
        assert set(counts) >= {"sparsity_conv", "sparsity_output", "sparsity_total"}
        # round(95% of 36 + 676 weights) = 676 zeros in all; per layer 34 of 36 and 642 of 676.
        assert counts["zeros_total"] == (34 + 642 if scope == "layer" else 676)
    with torch.no_grad():
        model.conv.bias[1] = -100.0  # channel 1 never fires on inputs in [0, 1]
        model.output.weight.view(4, -1)[2] = 0  # channel 2 reaches no output
    x = torch.rand(10, 784)
    assert dead_units(model, x).tolist() == [False, True, False, False]
    assert disconnected_units(model) == 1


def test_robustness_of_cnns_equals_each_models_forward():
    from lowcap.analyses.robustness import corrupted_sets, evaluate_models

    x, y = toy(30, seed=2)
    models = []
    for c in (1, 3):
        m = CNN(c)
        m.load_state_dict(init_params(c, 0, "normal", 0.1))
        models.append(m)
    table = evaluate_models(models, [1, 3], x, y, [0.3], 7, seed=0)
    assert len(table) == 2 * 3 and set(table.corruption) == {"clean", "noise", "occlusion"}
    sets = corrupted_sets(torch.as_tensor(x), [0.3], 7, 0)
    from lowcap.core.metrics import evaluate

    with torch.no_grad():
        f1 = evaluate(models[1](sets[1][2]).unsqueeze(1), torch.as_tensor(y))["f1"].item()
    assert table[(table.width == 3) & (table.corruption == "noise")].f1.item() == pytest.approx(f1, abs=1e-12)


def test_claims_of_a_cnn_study_judge_what_a_cnn_can_be_judged_on():
    """MLP-only claims are 'not testable' by the architecture rule; capacity in parameters is measured."""
    import yaml

    from conftest import REPO

    rules = {**yaml.safe_load((REPO / "config.yaml").read_text())["claims"], "occlusion_size": 7}
    pairs = ["0-1", "4-9"]
    history = pd.DataFrame([{"pair": p, "width": c, "seed": s, "split": split, "epoch": e,
                             "f1": 0.95 if (p == "0-1" or c >= 4) and e == 1 else 0.5, "loss": 0.1, "auc": 0.9}
                            for p in pairs for c in (1, 2, 4) for s in (0, 1) for split in ("train", "val")
                            for e in (0, 1)])
    rob = pd.DataFrame([{"pair": "4-9", "seed": s, "width": c, "corruption": k, "sigma": sig, "f1": f}
                        for s in (0, 1) for c in (1, 4)
                        for k, sig, f in [("clean", 0.0, 0.95), ("noise", 0.3, 0.9 + c / 100),
                                          ("occlusion", np.nan, 0.8)]])
    from lowcap.claims import registry

    tables = {"histories": history, "baseline": pd.DataFrame({"pair": ["4-9"] * 2, "val_f1": [0.95, 0.96]}),
              "robustness": rob}  # the pruning claims' own tests are in tests/test_claims_pruning.py
    rows = {r.claim_id: r for r in registry.evaluate(registry.Study("x-cnn", tuple(pairs), "cnn", "train", tables),
                                                     rules)}
    for cid in ("min_width_0-1", "min_width_4-9", "min_width_4-9_fig3", "representation", "reasoning", "strokes",
                "dead_neurons", "occlusion_f1_w24"):
        assert rows[cid].verdict == registry.NOT_TESTABLE and "for a cnn study" in rows[cid].note, cid
    # 4 channels = 179 * 4 + 1 parameters; the paper's 4-9 widths 12-24 as MLP parameters: 9433-18865.
    assert rows["min_params_4-9"].estimate.value == 717 and rows["min_params_4-9"].paper.startswith("9433–18865")
    assert rows["min_params_4-9"].verdict == registry.NOT_REPRODUCED  # fewer parameters than the paper's MLP
    assert "fewer parameters than the paper" in rows["min_params_4-9"].measured
    # Two pairs: Page's trend test needs three, so growth cannot be shown (never "reproduced" on 2 points).
    assert rows["min_params_grows"].verdict == registry.INCONCLUSIVE
    assert rows["robustness_noise"].verdict != registry.NOT_TESTABLE  # judged in channels


def test_the_initial_weights_of_one_channel_count_are_no_copy_of_another_ones_and_are_normal():
    """Issue 15, finding 10: in `released-cnn`'s Fig. 3 the pairs dip at C = 3. Not a shared or a
    degenerate draw: each (C, seed) draws N(0, 0.1^2) weights from one generator seeded with the seed
    (as the MLP's: lowcap.core.weights.draw_weights), and C = 3's are neither the first channels of a wider
    draw nor a narrower draw plus a channel. The draws of one seed overlap by design only where
    torch's normal_ makes them: it fills 16-value Box-Muller blocks and redraws the last 16 when 9C
    is not a multiple of 16, so C = 3's first channel and two more weights are those of every C >= 4
    (as width H's first units are width H + k's in the MLP), its other 16 are its own, and its output
    weights equal no other draw's at any position.

    The dip is the grid's three draws, which every pair starts from (init_params takes no pair):
    over seeds 0-39 (released) the median best training F1 rises with C, on 4-9 0.785, 0.821, 0.840 at
    C = 2, 3, 4 (C = 3 below C = 2 on 17 of 40 seeds, Wilcoxon p = 0.22), on 5-6 0.926, 0.943, 0.949
    (C = 3 below C = 2 on 14 of 40, p = 0.016, and below C = 4 on 28, p = 0.009); seeds 0 and 42
    are the two C = 3 draws of 41 whose channels fire least at initialisation (7% of the 4-9 training
    positions, the median draw 16%; zero biases, so a silent channel gets no gradient)."""
    from scipy.stats import kstest

    grid = [1, 2, 4, 6, 8, 12, 16]
    for seed in (0, 42, 78):
        conv3, out3 = (init_params(3, seed, "normal", 0.1)[k].flatten() for k in ("conv.weight", "output.weight"))
        for c in grid:
            other = init_params(c, seed, "normal", 0.1)
            conv, out = other["conv.weight"].flatten(), other["output.weight"].flatten()
            n_conv, n_out = min(len(conv), 27), min(len(out), 507)
            same = conv3[:n_conv] == conv[:n_conv]
            assert int(same.sum()) <= 11 and not same[11:].any(), (seed, c)  # at most channel 0 and 2 weights
            assert not (out3[:n_out] == out[:n_out]).any(), (seed, c)
    # Not degenerate: C = 3's convolution weights over 200 seeds are N(0, 0.1^2) (5400 values; a
    # deterministic draw, so the p-value is fixed: a shared or clipped draw would give p < 1e-6).
    by_seed = torch.stack([init_params(3, s, "normal", 0.1)["conv.weight"].flatten() for s in range(200)]).numpy()
    assert kstest(by_seed.ravel() / 0.1, "norm").pvalue > 0.01
    # and the seeds draw independently: C = 3's weights of consecutive seeds are uncorrelated (3 sd)
    assert abs(np.corrcoef(by_seed[:-1].ravel(), by_seed[1:].ravel())[0, 1]) < 3 / np.sqrt(199 * 27)


def test_a_cnn_bank_refuses_masks_by_name():
    """run_bank keeps pruned weights at zero for an MLP bank only: a CNN bank given masks fails
    saying so, before any step, instead of on an attribute it lacks."""
    from lowcap.core.train import run_bank

    x, y = toy(20)
    bank = CNNBank.from_params([init_params(c, 0, "normal", 0.1) for c in (1, 2)])
    before = [p.detach().clone() for p in bank.parameters()]
    proto = Protocol(lr=0.1, epochs=1, batch_size=None, init="normal", init_std=0.1)
    masks = (torch.ones(3, 9), torch.ones(3))
    with pytest.raises(ValueError, match="a CNN bank takes no masks"):
        run_bank(bank, [0.1, 0.1], 0, proto, 1, patches(torch.as_tensor(x)), y, patches(torch.as_tensor(x)), y,
                 masks=masks)
    assert all(torch.equal(a, b) for a, b in zip(before, bank.parameters()))
    assert bank.n_models == 2


def test_the_model_modules_do_not_import_each_other():
    """lowcap.core.cnn draws its weights from lowcap.core.weights: the CNN module imports nothing of
    lowcap.core.model, which imports the CNN to load its checkpoints."""
    from lowcap.core import provenance

    assert "lowcap.core.model" not in provenance.module_closure("lowcap.core.cnn")
    assert "lowcap.core.cnn" in provenance.module_closure("lowcap.core.model")
