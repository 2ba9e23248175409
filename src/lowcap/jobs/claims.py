"""The claims table: every claim of the paper, measured per study, with a verdict."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from lowcap import claims
from lowcap.capacity import read_histories


def read_study(inputs: dict) -> dict:
    """The tables one study's claims are measured from (paths as the claims rule names them).
    A CNN study has no t-SNE or saliency model: those entries are None; a branch the study does
    not run (an open question) is None too."""
    read = lambda path: pd.read_csv(path, dtype={"pair": str})  # noqa: E731
    data = {
        "history": read_histories(inputs["histories"]),
        "baseline": read(inputs["baseline"]),
        "pruning": {scheme: pd.concat([read(p) for p in paths], ignore_index=True)
                    for scheme, paths in inputs["pruning"].items()},
        "dead_neurons": read(inputs["dead_neurons"]),
        "tsne": read(inputs["tsne"]) if "tsne" in inputs else None,
        "saliency_cases": None,
        "stroke_focus": None,
        "robustness": read(inputs["robustness"]) if inputs.get("robustness") else None,
        # The open questions' branches, where the study runs them.
        "imp": pd.concat([read(p) for p in inputs["imp"]], ignore_index=True) if inputs.get("imp") else None,
        "imp_tolerance_points": inputs.get("imp_tolerance_points"),
        "mutual_info": read(inputs["mutual_info"]) if inputs.get("mutual_info") else None,
        "saliency_shift": read(inputs["saliency_shift"]) if inputs.get("saliency_shift") else None,
    }
    if "saliency_maps" in inputs:
        maps = np.load(inputs["saliency_maps"])
        cases = read(inputs["saliency_cases"])
        dense = (cases["model"] == "dense").to_numpy()
        focus = claims.stroke_focus(maps["image"][dense], maps["gradient"][dense])
        # A map of independent uniform noise, seeded: what "no focus" measures on the same images.
        noise = np.random.default_rng(0).random(maps["gradient"][dense].shape)
        random_focus = claims.stroke_focus(maps["image"][dense], noise)
        data["saliency_cases"] = cases
        data["stroke_focus"] = (float(focus.mean()), float(random_focus.mean()))
    return data


def claims_table(studies: dict[str, dict], rules: dict, csv: str, md: str, rst: str) -> None:
    """`studies`: name -> {pairs, occlusion_size, inputs}. Writes the long CSV, the wide Markdown
    table and an RST page (the report's first page)."""
    results = {}
    for name, study in studies.items():
        data = read_study(study["inputs"])
        results[name] = claims.study_claims({"name": name, "pairs": study["pairs"],
                                             "architecture": study.get("architecture", "mlp")},
                                            {**rules, "occlusion_size": study["occlusion_size"]}, data)
    long = claims.long_table(results)
    Path(csv).parent.mkdir(parents=True, exist_ok=True)
    long.to_csv(csv, index=False, float_format="%.6g")
    intro = (
        "# The paper's claims, measured per study\n\n"
        "Each cell: the value measured from that study's own runs, with an interval over seeds in brackets "
        f"(Student-t, {rules['confidence']:.0%}, over the seeds; for minimum widths, the range of the per-seed "
        "minimum widths), and the verdict. The rule of each verdict is in claims.csv (column `rule`) and in the "
        "README; its numbers are in config.yaml, section `claims`.\n\n"
    )
    Path(md).write_text(intro + claims.wide_markdown(long))
    Path(rst).write_text(claims.report_rst(long, rules))
    print(long.pivot(index="claim_id", columns="study", values="verdict").to_string())


def findings(studies: dict[str, dict], budget: dict[str, dict], rules: dict, md: str) -> None:
    """results/findings.md: the detail behind the claims table (lowcap.findings), per claims study.
    `studies`: name -> {inputs (as for the claims), min_capacity, noise_sigma}; `budget`: name ->
    {epochs, min_capacity} for the training-budget axis (may be empty)."""
    from lowcap import findings as f

    read = lambda path: pd.read_csv(path, dtype={"pair": str})  # noqa: E731
    inputs = {name: s["inputs"] for name, s in studies.items()}
    sections = {
        "Minimum capacity": f.capacity({n: read(s["min_capacity"]) for n, s in studies.items()},
                                       rules["capacity_statistic"]),
    }
    if budget:
        sections["Training budget"] = f.budget({b["epochs"]: read(b["min_capacity"]) for b in budget.values()},
                                               rules["capacity_split"], rules["capacity_statistic"])
    sections["Pruning"] = f.pruning(
        {n: {scheme: pd.concat([read(p) for p in paths], ignore_index=True)
             for scheme, paths in i["pruning"].items()} for n, i in inputs.items()},
        rules["pruning_levels"])
    sections["Dead neurons (Table 1)"] = f.dead_neurons({n: read(i["dead_neurons"]) for n, i in inputs.items()})
    sections["t-SNE (Fig. 5)"] = f.tsne({n: read(i["tsne"]) for n, i in inputs.items()})
    sections["Saliency (Fig. 8)"] = f.saliency({n: read(i["saliency_cases"]) for n, i in inputs.items()},
                                               {n: dict(np.load(i["saliency_maps"])) for n, i in inputs.items()})
    sections["Robustness (Fig. 6, 7)"] = f.robustness({n: read(i["robustness"]) for n, i in inputs.items()},
                                                      rules["noise_sigma"])
    with_imp = {n: i for n, i in inputs.items() if i.get("imp")}
    if with_imp:
        sections["Iterative pruning with fine-tuning"] = f.imp_methods(
            {n: pd.concat([read(p) for p in i["imp"]], ignore_index=True) for n, i in with_imp.items()},
            {n: studies[n]["imp_tolerance_points"] for n in with_imp})
    with_mi = {n: read(i["mutual_info"]) for n, i in inputs.items() if i.get("mutual_info")}
    if with_mi:
        sections["Mutual information per unit"] = f.mutual_information(with_mi, {n: studies[n]["pairs"] for n in with_mi})
    with_shift = {n: read(i["saliency_shift"]) for n, i in inputs.items() if i.get("saliency_shift")}
    if with_shift:
        sections["Saliency under corruption"] = f.saliency_shift(with_shift)
    Path(md).parent.mkdir(parents=True, exist_ok=True)
    Path(md).write_text(f.document(sections))
    print(Path(md).read_text())
