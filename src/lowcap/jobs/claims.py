"""The claims table: every claim of the paper, measured per study, with a verdict."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from lowcap import claims
from lowcap.capacity import read_histories


def read_study(inputs: dict) -> dict:
    """The tables one study's claims are measured from (paths as the claims rule names them).
    A CNN study has no t-SNE or saliency model: those entries are None."""
    if "saliency_maps" not in inputs:
        return {
            "history": read_histories(inputs["histories"]),
            "baseline": pd.read_csv(inputs["baseline"], dtype={"pair": str}),
            "pruning": {scheme: pd.concat([pd.read_csv(p, dtype={"pair": str}) for p in paths], ignore_index=True)
                        for scheme, paths in inputs["pruning"].items()},
            "dead_neurons": pd.read_csv(inputs["dead_neurons"], dtype={"pair": str}),
            "tsne": None,
            "saliency_cases": None,
            "stroke_focus": None,
            "robustness": pd.read_csv(inputs["robustness"], dtype={"pair": str}),
        }
    maps = np.load(inputs["saliency_maps"])
    cases = pd.read_csv(inputs["saliency_cases"], dtype={"pair": str})
    dense = (cases["model"] == "dense").to_numpy()
    focus = claims.stroke_focus(maps["image"][dense], maps["gradient"][dense])
    # A map of independent uniform noise, seeded: what "no focus" measures on the same images.
    noise = np.random.default_rng(0).random(maps["gradient"][dense].shape)
    random_focus = claims.stroke_focus(maps["image"][dense], noise)
    return {
        "history": read_histories(inputs["histories"]),
        "baseline": pd.read_csv(inputs["baseline"], dtype={"pair": str}),
        "pruning": {scheme: pd.concat([pd.read_csv(p, dtype={"pair": str}) for p in paths], ignore_index=True)
                    for scheme, paths in inputs["pruning"].items()},
        "dead_neurons": pd.read_csv(inputs["dead_neurons"], dtype={"pair": str}),
        "tsne": pd.read_csv(inputs["tsne"], dtype={"pair": str}),
        "saliency_cases": cases,
        "stroke_focus": (float(focus.mean()), float(random_focus.mean())),
        "robustness": pd.read_csv(inputs["robustness"], dtype={"pair": str}) if inputs.get("robustness") else None,
    }


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
