"""One function per workflow job: file paths and plain values in, files out.

The scripts in workflow/scripts/ only unpack `snakemake.*` and call these, so every job can also
be run, and tested, without Snakemake. Heavy imports (torch) happen inside the functions that
need them, so the figure jobs do not pay for them.
"""

from __future__ import annotations

import contextlib
import os
import platform
from pathlib import Path

import pandas as pd

from lowcap import capacity, data, plots
from lowcap.config import Protocol


@contextlib.contextmanager
def logged(log_path: str | Path | None):
    """Send the job's stdout and stderr to its log file."""
    if not log_path:
        yield
        return
    Path(log_path).parent.mkdir(parents=True, exist_ok=True)
    with open(log_path, "w") as fh, contextlib.redirect_stdout(fh), contextlib.redirect_stderr(fh):
        # Where the job ran: on a cluster this ties each output to its SLURM job.
        print(f"host={platform.node()} SLURM_JOB_ID={os.environ.get('SLURM_JOB_ID', 'none')}", flush=True)
        yield


def fetch_data(dataset: str, stem: str, mirror: str | None, sha256: str | None, out: str) -> None:
    print(data.fetch(dataset, stem, out, mirror, sha256))


def train_pair(
    images: str,
    labels: str,
    pair: str,
    seeds: list[int],
    widths: list[int],
    protocol: dict,
    provenance: dict,
    checkpoint_pattern: str,
    history: str,
    threads: int = 1,
) -> None:
    """Train every width of every seed of one pair: one wide bank per seed, one process for the
    pair (so torch is imported once). Writes one checkpoint per (width, seed), named by
    `checkpoint_pattern` ({width}, {seed}), and one history table for the pair."""
    import torch

    from lowcap.model import save_checkpoint
    from lowcap.train import default_device, train_bank

    torch.set_num_threads(threads)
    proto = Protocol(**protocol)
    x_img, y_lab = data.load_pool(images, labels)
    device = default_device()
    histories = []
    for seed in seeds:
        d = data.pair_data(x_img, y_lab, pair, seed)
        print(f"pair {pair} seed {seed}: {len(d.y_train)} train / {len(d.y_val)} val examples, "
              f"split {d.split.digest()}, device {device}, widths {widths}, {proto}", flush=True)
        states, hist = train_bank(widths, [proto.lr] * len(widths), seed, proto,
                                  d.x_train, d.y_train, d.x_val, d.y_val, device)
        hist.insert(0, "seed", seed)
        hist.insert(0, "pair", pair)
        last = hist[hist["epoch"] == proto.epochs]
        for width, state in zip(widths, states, strict=True):
            final = last[last["width"] == width].set_index("split")
            meta = {
                **provenance,
                **proto.as_meta(),
                "pair": pair,
                "seed": seed,
                "width": width,
                "split_digest": d.split.digest(),
                "n_train": len(d.y_train),
                "n_val": len(d.y_val),
                "torch_version": str(torch.__version__),
                "final_val_f1": float(final.loc["val", "f1"]),
                "final_train_f1": float(final.loc["train", "f1"]),
            }
            save_checkpoint(checkpoint_pattern.format(width=width, seed=seed), state, meta)
        print(last.pivot_table(index="width", columns="split", values="f1").to_string(), flush=True)
        histories.append(hist)
    Path(history).parent.mkdir(parents=True, exist_ok=True)
    pd.concat(histories, ignore_index=True).to_csv(history, index=False, float_format="%.6g")


def capacity_summary(histories: list[str], pairs: list[str], outputs: dict[str, str]) -> None:
    """Fig. 3 for the training and the validation split, and the minimum-capacity table."""
    per_seed = capacity.per_seed_f1(capacity.read_histories(histories))
    for split, name in (("train", "training"), ("val", "validation")):
        summary = capacity.width_summary(per_seed, split, "best_f1")
        summary.to_csv(outputs[f"{split}_csv"], index=False, float_format="%.6g")
        plots.capacity(summary, pairs, f"Best F1 over epochs, {name} split",
                       outputs[f"{split}_png"], outputs[f"{split}_pdf"], capacity.SUCCESS_F1)
    table = capacity.minimum_capacity(per_seed, pairs)
    table.to_csv(outputs["table_csv"], index=False)
    intro = (
        f"Smallest hidden width with F1 > {capacity.SUCCESS_F1}: on every seed, and on the mean over "
        "seeds. best_f1 is the best epoch (as the paper's Fig. 3); final_f1 is the last epoch, with no "
        "selection. '—': no width in the grid reaches it.\n\n"
    )
    Path(outputs["table_md"]).write_text(intro + capacity.markdown_table(table))
    print(table.to_string())


def training_curves_figure(histories: list[str], pair: str, png: str, pdf: str, csv: str) -> None:
    curves = plots.training_curve_table(capacity.read_histories(histories))
    curves.to_csv(csv, index=False, float_format="%.6g")
    plots.training_curves(curves, pair, png, pdf)


def robustness_pair(
    images: str,
    labels: str,
    checkpoints: list[str],
    sigmas: list[float],
    occlusion_size: int,
    example_sigma: float,
    out_csv: str,
    out_example: str,
    threads: int = 1,
) -> None:
    """F1 of every checkpoint of one pair on its clean, noisy and occluded validation split; one
    forward pass per seed for all widths and corruptions. Also the Fig. D.1 example of the first seed."""
    import numpy as np
    import torch

    from lowcap import robustness
    from lowcap.evaluation import SplitMismatch, validation_data
    from lowcap.model import load_checkpoint
    from lowcap.train import default_device

    torch.set_num_threads(threads)
    device = default_device()
    by_seed: dict[int, list] = {}
    for path in checkpoints:
        model, meta = load_checkpoint(path)
        by_seed.setdefault(int(meta["seed"]), []).append((model.state_dict(), meta))
    frames, example = [], None
    for seed, models in by_seed.items():
        metas = [meta for _, meta in models]
        if len({(m["pair"], m["split_digest"]) for m in metas}) != 1:
            raise SplitMismatch(f"seed {seed}: the checkpoints disagree on pair or split: "
                                f"{sorted({(m['pair'], m['split_digest']) for m in metas})}")
        x_val, y_val = validation_data(images, labels, metas[0])
        table = robustness.evaluate_corruptions([s for s, _ in models], x_val, y_val, sigmas,
                                                occlusion_size, seed, device)
        clean = table[table["corruption"] == "clean"].set_index("width")["f1"]
        drift = max(abs(clean[m["width"]] - m["final_val_f1"]) for m in metas)
        print(f"seed {seed}: {len(y_val)} validation images, widths {sorted(clean.index)}, device {device}; "
              f"clean F1 differs from the checkpoint's final_val_f1 by at most {drift:.2g}")
        frames.append(table)
        if example is None:
            example = (seed, metas[0]["pair"], robustness.example_images(x_val, example_sigma, occlusion_size, seed),
                       int(y_val[0]))
    per_seed = pd.concat(frames, ignore_index=True)
    per_seed.insert(0, "pair", metas[0]["pair"])
    Path(out_csv).parent.mkdir(parents=True, exist_ok=True)
    per_seed.to_csv(out_csv, index=False, float_format="%.6g")
    seed, pair, panels, label = example
    digit = data.parse_pair(pair)[label]
    np.savez_compressed(out_example, **panels, pair=pair, seed=seed, index=0, digit=digit,
                        sigma=example_sigma, occlusion_size=occlusion_size)
    column = per_seed["corruption"].where(per_seed["corruption"] != "noise", "sigma=" + per_seed["sigma"].astype(str))
    print("F1, mean over seeds:")
    print(per_seed.assign(column=column).pivot_table(index="width", columns="column", values="f1", sort=False).round(3).to_string())


def robustness_figures(results_csv: str, pair: str, occlusion_size: int, noise_png: str, noise_pdf: str,
                       noise_csv: str, occlusion_png: str, occlusion_pdf: str, occlusion_csv: str) -> None:
    from lowcap import robustness

    summary = robustness.summary(pd.read_csv(results_csv, dtype={"pair": str}))
    curves = robustness.noise_curves(summary)
    curves.to_csv(noise_csv, index=False, float_format="%.6g")
    robustness.plot_noise(curves, pair, noise_png, noise_pdf)
    bars = robustness.occlusion_bars(summary)
    bars.to_csv(occlusion_csv, index=False, float_format="%.6g")
    robustness.plot_occlusion(bars, pair, occlusion_size, occlusion_png, occlusion_pdf)


def corruption_examples_figure(example_npz: str, png: str, pdf: str, csv: str) -> None:
    import numpy as np

    from lowcap import robustness

    ex = np.load(example_npz)
    panels = {k: ex[k] for k in ("clean", "noise", "occlusion")}
    size = int(ex["occlusion_size"])
    titles = {"clean": "clean", "noise": f"Gaussian noise σ = {float(ex['sigma']):g}",
              "occlusion": f"{size}×{size} occlusion"}
    robustness.example_table(panels).to_csv(csv, index=False, float_format="%.6g")
    robustness.plot_examples(panels, titles, f"pair {ex['pair']}, seed {int(ex['seed'])}, validation image "
                             f"{int(ex['index'])} (a {int(ex['digit'])})", png, pdf)


def pruning_pair(checkpoints: list[str], images: str, labels: str, levels: list[float], scope: str,
                 out: str, threads: int = 1) -> None:
    """Paper Fig. 4 / Table 1 data: every checkpoint of one pair pruned once at every level."""
    import torch

    from lowcap import pruning
    from lowcap.train import default_device

    torch.set_num_threads(threads)
    device = default_device()
    table = pruning.prune_checkpoints(checkpoints, images, labels, levels, scope, device)
    Path(out).parent.mkdir(parents=True, exist_ok=True)
    table.to_csv(out, index=False, float_format="%.6g")
    print(f"{len(checkpoints)} checkpoints, scope {scope}, device {device}")
    print("achieved sparsity (%) counted from the weights, min and max over checkpoints:")
    achieved = ["sparsity_hidden", "sparsity_output", "sparsity_total"]
    print(table.groupby("requested_sparsity")[achieved].agg(["min", "max"]).round(3).to_string())
    print("validation F1, mean over seeds:")
    print(table.pivot_table(index="width", columns="requested_sparsity", values="val_f1").round(3).to_string())


def pruning_figures(table_csv: str, pair: str, levels: list[float], outputs: dict[str, str]) -> None:
    """Paper Fig. 4, B.1-B.4 for one pair: % change in F1 and AUC, and F1, against sparsity.
    `outputs` maps '{kind}_{png,pdf,csv}' to paths, kind in f1_change, auc_change, f1."""
    from lowcap import pruning

    table = pruning.with_change(pruning.with_change(pd.read_csv(table_csv, dtype={"pair": str}), "f1"), "auc")
    figures = {
        "f1_change": ("f1_change_pct", "% change in F1 from the unpruned model", "change in validation F1", 0.0),
        "auc_change": ("auc_change_pct", "% change in AUC from the unpruned model", "change in validation AUC", 0.0),
        "f1": ("val_f1", "validation F1", "validation F1 after pruning", capacity.SUCCESS_F1),
    }
    for kind, (column, ylabel, title, reference) in figures.items():
        curves = pruning.sparsity_curves(table, column, levels)
        curves.to_csv(outputs[f"{kind}_csv"], index=False, float_format="%.6g")
        pruning.plot_sparsity_curves(curves, pair, f"{ylabel}\n(mean ± std over seeds)", title,
                                     outputs[f"{kind}_png"], outputs[f"{kind}_pdf"], reference)
    dense = table[table["requested_sparsity"] == 0]
    undefined = dense[dense["val_f1"] == 0]
    print(f"{len(undefined)} checkpoints with unpruned F1 = 0 (their % change in F1 is NaN, left out of "
          f"the mean): {undefined[['width', 'seed']].to_dict('records')}")


def max_sparsity_table(tables: list[str], levels: list[float], pairs: list[str], csv: str, md: str) -> None:
    from lowcap import pruning

    table = pruning.max_sparsity(pruning.read_tables(tables), levels, pairs)
    table.to_csv(csv, index=False)
    intro = (
        f"Highest requested sparsity (one-shot magnitude pruning, scope {table['scope'].iloc[0]}, no "
        f"retraining) at which a (pair, width) keeps validation F1 ≥ {capacity.SUCCESS_F1} on every seed, "
        f"among 0 (unpruned) and the levels {sorted(levels)}. '—': not even the unpruned model does. "
        "The CSV also has the level reached by the mean over seeds.\n\n"
    )
    Path(md).write_text(intro + pruning.max_sparsity_markdown(table))
    print(table.to_string())


def dead_neurons_table(tables: list[str], sparsity: float, paper_rows: list[dict], pairs: list[str],
                       csv: str, md: str) -> None:
    from lowcap import pruning

    dead = pruning.dead_neuron_table(pruning.read_tables(tables), sparsity, paper_rows, pairs)
    present = set(zip(dead["pair"], dead["width"]))
    missing = [r for r in paper_rows if (r["pair"], int(r["width"])) not in present]
    if missing:
        print(f"paper rows not in this grid, left out: {missing}")
    dead.to_csv(csv, index=False, float_format="%.6g")
    intro = (
        f"Dead hidden units (ReLU output zero on every validation input) before pruning and after "
        f"one-shot magnitude pruning to {sparsity:g}% sparsity (scope {dead['scope'].iloc[0]}), per "
        "checkpoint. ★: the paper's Table 1 rows, listed first. 'no output weight after': hidden units "
        "whose only outgoing weight was pruned; alive or not, they no longer affect the output.\n\n"
    )
    Path(md).write_text(intro + pruning.dead_neuron_markdown(dead))
    print(dead[dead["paper_row"]].to_string())


# --------------------------------------------------------------------------- lr sweep (Fig. 1, 2)


def lr_sweep_seed(
    images: str,
    labels: str,
    pair: str,
    seed: int,
    widths: list[int],
    lrs: list[float],
    protocol: dict,
    history: str,
    threads: int = 1,
) -> None:
    """Train every (width, lr) of one seed as one wide bank, on the grid's split and protocol
    (lr replaced per model); write the per-epoch history. No checkpoints: the figures need none."""
    import time

    import torch

    from lowcap import lr_sweep
    from lowcap.train import default_device, train_bank

    torch.set_num_threads(threads)
    proto = Protocol(**protocol)
    x_img, y_lab = data.load_pool(images, labels)
    d = data.pair_data(x_img, y_lab, pair, seed)
    device = default_device()
    model_widths, model_lrs = lr_sweep.sweep_models(widths, lrs)
    print(f"pair {pair} seed {seed}: {len(d.y_train)} train / {len(d.y_val)} val examples, "
          f"split {d.split.digest()}, device {device}, {len(model_widths)} models "
          f"(widths {widths} x lrs {lrs}), {proto} with lr replaced per model")
    start = time.perf_counter()
    _, hist = train_bank(model_widths, model_lrs, seed, proto, d.x_train, d.y_train, d.x_val, d.y_val, device)
    print(f"trained in {time.perf_counter() - start:.1f} s wall")
    hist.insert(0, "seed", seed)
    hist.insert(0, "pair", pair)
    Path(history).parent.mkdir(parents=True, exist_ok=True)
    hist.to_csv(history, index=False, float_format="%.6g")
    last = hist[(hist["epoch"] == proto.epochs) & (hist["split"] == "val")]
    print("final-epoch validation F1:")
    print(last.pivot(index="width", columns="lr", values="f1").round(3).to_string())


def lr_sweep_figures(histories: list[str], protocol_lr: float, curves_png: str, curves_pdf: str,
                     curves_csv: str, heatmap_png: str, heatmap_pdf: str, heatmap_csv: str) -> None:
    from lowcap import lr_sweep

    summary = lr_sweep.final_epoch_summary(capacity.read_histories(histories))
    # Both splits go to the CSVs; the figures plot the validation rows (plotted = True).
    summary.insert(2, "plotted", summary["split"] == "val")
    summary.to_csv(curves_csv, index=False, float_format="%.6g")
    lr_sweep.plot_lr_curves(summary, protocol_lr, curves_png, curves_pdf)
    table = lr_sweep.heatmap_table(summary)
    table.insert(2, "plotted", table["split"] == "val")
    table.to_csv(heatmap_csv, index=False, float_format="%.6g")
    lr_sweep.plot_heatmap(table, heatmap_png, heatmap_pdf)
    print(table[table["plotted"]].pivot(index="width", columns="lr", values="f1_mean").round(3).to_string())


# --------------------------------------------------------------------------- saliency (Fig. 8)


def saliency_cases(images: str, labels: str, checkpoint: str, sparsity: float, scope: str, epsilon: float,
                   out_maps: str, out_cases: str, threads: int = 1) -> None:
    """Saliency maps of the Fig. 8 cases under the dense model and its magnitude-pruned copy.
    A few images of one small model: the CPU is enough."""
    import numpy as np
    import torch

    from lowcap import pruning, saliency
    from lowcap.evaluation import validation_data
    from lowcap.model import load_checkpoint

    torch.set_num_threads(threads)
    model, meta = load_checkpoint(checkpoint)
    x_val, y_val = validation_data(images, labels, meta)
    pruned = pruning.prune_copy(model, sparsity, scope)
    table, maps = saliency.fig8_cases(model, pruned, x_val, y_val, data.parse_pair(meta["pair"]), epsilon)
    achieved = {"dense": pruning.weight_sparsity(model)["sparsity_total"],
                "pruned": pruning.weight_sparsity(pruned)["sparsity_total"]}
    for i, (key, value) in enumerate({"pair": meta["pair"], "width": int(meta["width"]),
                                      "seed": int(meta["seed"]), "epsilon": epsilon}.items()):
        table.insert(i, key, value)
    table.insert(5, "requested_sparsity", np.where(table["model"] == "pruned", sparsity, 0.0))
    table.insert(6, "scope", scope)
    table.insert(7, "achieved_sparsity", table["model"].map(achieved))
    Path(out_maps).parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(out_maps, **maps)
    table.to_csv(out_cases, index=False, float_format="%.6g")
    print(table.to_string())


def saliency_figure(cases_csv: str, maps_npz: str, png: str, pdf: str, csv: str) -> None:
    import numpy as np

    from lowcap import saliency

    table = pd.read_csv(cases_csv, dtype={"pair": str})
    maps = dict(np.load(maps_npz))
    table.to_csv(csv, index=False, float_format="%.6g")
    first = table.iloc[0]
    pruned = table[table["model"] == "pruned"]
    sparsity = (f"; pruned: {pruned['achieved_sparsity'].iloc[0]:.1f}% of weights zero "
                f"({pruned['scope'].iloc[0]} magnitude pruning)" if len(pruned) else "")
    saliency.plot_fig8(table, maps, data.parse_pair(first["pair"]),
                       f"pair {first['pair']}, width {first['width']}, seed {first['seed']}, "
                       f"ε = {first['epsilon']:g}{sparsity}", png, pdf)


# --------------------------------------------------------------------------- t-SNE (Fig. 5)


def tsne_activations(
    images: str,
    labels: str,
    checkpoint: str,
    baseline_checkpoints: list[str],
    sparsity: float,
    scope: str,
    perplexity: float,
    k: int,
    random_state: int,
    embedding_csv: str,
    similarity_csv: str,
    similarity_md: str,
    threads: int = 1,
) -> None:
    """Hidden activations of one checkpoint on its validation split, dense and pruned: their t-SNE
    coordinates, and kNN overlap / linear CKA against the dense ones, with baselines for scale
    (other seeds' trained models of the same width; this model's initial weights)."""
    import numpy as np
    import torch

    from lowcap import pruning, tsne
    from lowcap.evaluation import validation_data
    from lowcap.metrics import evaluate
    from lowcap.model import MLP, init_params, load_checkpoint

    torch.set_num_threads(threads)
    model, meta = load_checkpoint(checkpoint)
    pair, width, seed = meta["pair"], int(meta["width"]), int(meta["seed"])
    x_val, y_val = validation_data(images, labels, meta)
    untrained = MLP(width)
    untrained.load_state_dict(init_params(width, seed, meta["init"], meta["init_std"]))
    untrained.eval()
    models = {  # comparison -> model; all evaluated on this checkpoint's validation images
        "dense (reference)": model,
        f"pruned {sparsity:g}% ({scope})": pruning.prune_copy(model, sparsity, scope),
    }
    for path in baseline_checkpoints:
        other, other_meta = load_checkpoint(path)
        if (other_meta["pair"], int(other_meta["width"])) != (pair, width):
            raise ValueError(f"baseline {path} is not pair {pair} width {width}")
        # Its own split differs: some of these images were in its training set.
        models[f"another seed ({other_meta['seed']}), trained"] = other
    models["untrained (initial weights)"] = untrained

    x = torch.as_tensor(x_val)
    with torch.no_grad():
        acts = {name: m.hidden_activations(x).numpy() for name, m in models.items()}
        scores = evaluate(torch.stack([m(x) for m in models.values()], dim=1), torch.as_tensor(y_val))
    dense = acts["dense (reference)"]
    table = tsne.similarity(dense, acts, k)
    table.insert(0, "role", ["reference", "pruned"] + ["baseline"] * (len(models) - 2))
    table["val_f1"] = scores["f1"].numpy()
    table["weight_sparsity_pct"] = [pruning.weight_sparsity(m)["sparsity_total"] for m in models.values()]
    table["dead_units"] = [int(pruning.dead_units(m, x).sum()) for m in models.values()]
    # Per-layer pruning leaves the 1 x width output layer only a few weights: the units that keep one.
    table["units_with_output_weight"] = [int((m.output.weight != 0).sum()) for m in models.values()]
    for i, (key, value) in enumerate({"pair": pair, "width": width, "seed": seed, "n_val": len(y_val)}.items()):
        table.insert(i, key, value)
    Path(similarity_csv).parent.mkdir(parents=True, exist_ok=True)
    table.to_csv(similarity_csv, index=False, float_format="%.6g")
    intro = (
        f"Hidden activations of pair {pair}, width {width}, seed {seed} on its {len(y_val)} validation "
        f"images, compared with the dense model's: kNN overlap (k = {k}, mean fraction of shared "
        f"nearest neighbours; chance {tsne.chance_knn_overlap(len(y_val), k):.3f}) and linear CKA. "
        "The other rows give the scale: another seed's trained model of the same width (its own "
        "split differs, so some of these images were in its training set) and the untrained model "
        "(this seed's initial weights). zero_rows: inputs mapped to an all-zero vector; "
        "weight_sparsity_pct: counted from the weights; rms_norm: root-mean-square norm of the activation "
        "vectors, which both numbers ignore.\n\n"
    )
    Path(similarity_md).write_text(intro + capacity.markdown_table(table))
    print(table.to_string())

    pruned_name = f"pruned {sparsity:g}% ({scope})"
    coords = tsne.embed(dense, acts[pruned_name], perplexity, random_state, threads)
    digits = np.asarray(data.parse_pair(pair))[y_val.astype(int)]
    tsne.embedding_table(coords, digits).to_csv(embedding_csv, index=False, float_format="%.6g")


def tsne_figure(embedding_csv: str, similarity_csv: str, png: str, pdf: str, csv: str) -> None:
    from lowcap import tsne

    table = pd.read_csv(embedding_csv)
    table.to_csv(csv, index=False, float_format="%.6g")
    sim = pd.read_csv(similarity_csv, dtype={"pair": str})
    dense = sim[sim["role"] == "reference"].iloc[0]
    pruned = sim[sim["role"] == "pruned"].iloc[0]
    baselines = "; ".join(f"{r.comparison}: {r.knn_overlap:.2f}, {r.linear_cka:.2f}"
                          for r in sim[sim["role"] == "baseline"].itertuples())
    title = (
        f"{dense.pair}, width {dense.width}, seed {dense.seed}: hidden activations on {dense.n_val} validation images\n"
        f"dense vs {pruned.comparison}: kNN overlap (k={pruned.k}) {pruned.knn_overlap:.2f}, "
        f"linear CKA {pruned.linear_cka:.2f}\n"
        f"for scale (kNN overlap, CKA vs dense) — {baselines}; chance kNN overlap {pruned.chance_knn_overlap:.3f}"
    )
    panel_titles = {
        "dense": f"dense (F1 {dense.val_f1:.3f})",
        "pruned_in_dense": f"{pruned.comparison}, placed into the dense map\n"
                           f"(F1 {pruned.val_f1:.3f}, {pruned.weight_sparsity_pct:.1f}% weights zero)",
        "pruned_own": f"{pruned.comparison}, own t-SNE\n({pruned.dead_units} of {dense.width} units dead, "
                      f"{pruned.units_with_output_weight} with an output weight)",
    }
    tsne.plot_tsne(table, panel_titles, title, png, pdf)
