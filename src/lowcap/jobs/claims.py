"""The claims table: every claim of the paper, measured per study, with a verdict.

The job is generic: every key of a study's claims inputs (workflow/rules/common.smk,
`claims_inputs`) becomes one of the study's tables (`Study.tables[key]`, lowcap.claims.registry),
and every registered claim is evaluated on them. A claim that needs a table its study did not build
gets a not-testable row from the registry, so adding a claim never touches this job.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

import lowcap.claims  # noqa: F401  (registers every claim)
from lowcap.analyses import capacity, imp_tables, pruning_tables, robustness_tables
from lowcap.claims import findings as detail
from lowcap.claims import registry, table


def read_table(path: str):
    """A CSV as a DataFrame (pair labels stay strings: "0-1", not a date), an .npz as a dict of arrays."""
    if str(path).endswith(".npz"):
        with np.load(path) as arrays:
            return {name: arrays[name] for name in arrays.files}
    return pd.read_csv(path, dtype={"pair": str})


def read_entry(value):
    """One input: a path -> its table; a list of CSVs -> one concatenated DataFrame; a dict of lists
    -> name -> DataFrame; an empty list -> None (the study does not build it); any other value
    (a number from the study's settings) is passed through."""
    if isinstance(value, dict):
        read = {name: read_entry(paths) for name, paths in value.items()}
        return {name: t for name, t in read.items() if t is not None} or None
    if isinstance(value, (list, tuple)):
        if not value:
            return None
        return pd.concat([read_table(p) for p in value], ignore_index=True)
    if isinstance(value, (str, Path)):
        return read_table(value)
    return value


def read_checked(key: str, value, pairs: list[str], grids: dict):
    """The intermediate tables whose complete grid the rule knows, read through their own checked
    readers (a short, cut or duplicated table stops the job naming the file: it would otherwise
    flip verdicts); every other input through read_entry."""
    if key == "histories":
        history = capacity.read_histories(value)
        capacity.check_grid(history, pairs, grids["widths"], grids["seeds"], ", ".join(map(str, value)))
        return history
    if key == "pruning":
        return {scheme: pruning_tables.read_tables(paths, pairs, {"widths": grids["widths"], "seeds": grids["seeds"],
                                                           **grids["pruning"][scheme]})
                for scheme, paths in value.items()}
    if key == "robustness" and value:
        rob = grids["robustness"]
        return pd.concat([robustness_tables.read_results(p, pair, rob["widths"], grids["seeds"], rob["sigmas"])
                          for p, pair in zip(value, rob["pairs"], strict=True)], ignore_index=True)
    if key == "imp" and value:
        return pd.concat([imp_tables.read_table_of(p, pair, grids["widths"], grids["seeds"], grids["imp"])
                          for p, pair in zip(value, pairs, strict=True)], ignore_index=True)
    return read_entry(value)


def read_study(inputs: dict, pairs: list[str] | None = None, grids: dict | None = None) -> dict:
    """The tables one study's claims are measured from, by input key; absent when not built.
    With `grids` (the rule's), the intermediate tables are checked for their complete grid."""
    if grids is None:
        tables = {key: read_entry(value) for key, value in inputs.items()}
    else:
        tables = {key: read_checked(key, value, list(pairs), grids) for key, value in inputs.items()}
    return {key: t for key, t in tables.items() if t is not None}


def claim_families(study: registry.Study) -> dict[str, str]:
    """Claim id -> the family (the lowcap.claims module) that registers it, for the grouping of the table."""
    return {cid: entry.function.__module__.rsplit(".", 1)[-1]
            for entry in registry.REGISTRY for cid in registry.claim_ids(entry, study)}


def evaluate_studies(studies: dict[str, dict], rules: dict) -> tuple[dict[str, list], dict[str, str]]:
    """Every registered claim for every study. `studies`: name -> {pairs, architecture, pool,
    occlusion_size, inputs}. Returns name -> results, and claim id -> family."""
    results, families = {}, {}
    for name, spec in studies.items():
        study = registry.Study(name, tuple(spec["pairs"]), spec.get("architecture", "mlp"), spec.get("pool", "train"),
                               read_study(spec["inputs"], spec["pairs"], spec.get("grids")))
        results[name] = registry.evaluate(study, {**rules, "occlusion_size": spec.get("occlusion_size")})
        families.update(claim_families(study))
    return results, families


def claims_table(studies: dict[str, dict], rules: dict, csv: str, md: str, rst: str) -> None:
    """Writes the long CSV (registry.long_table), the Markdown table and an RST page (the report's
    first page)."""
    results, families = evaluate_studies(studies, rules)
    long = registry.long_table(results)
    Path(csv).parent.mkdir(parents=True, exist_ok=True)
    long.to_csv(csv, index=False, float_format="%.6g")
    if long.empty:
        Path(md).write_text("# The paper's claims, measured per study\n\nNo claim is registered.\n")
        Path(rst).write_text("The paper's claims\n==================\n\nNo claim is registered.\n")
        return
    Path(md).write_text(table.document(long, families, rules["confidence"]))
    Path(rst).write_text(table.rst(long, families, rules["confidence"]))
    print(long.pivot(index="claim_id", columns="study", values="verdict").to_string())


def findings(studies: dict[str, dict], budget: dict[str, dict], rules: dict, md: str) -> None:
    """results/findings.md: the detail behind the claims table (lowcap.claims.findings, here `detail`), per claims study.
    `studies`: name -> {inputs (as for the claims), min_capacity, noise_sigma}; `budget`: name ->
    {epochs, min_capacity} for the training-budget axis (may be empty)."""
    read = lambda path: pd.read_csv(path, dtype={"pair": str})  # noqa: E731
    inputs = {name: s["inputs"] for name, s in studies.items()}
    sections = {
        "Minimum capacity": detail.capacity({n: read(s["min_capacity"]) for n, s in studies.items()},
                                       rules["capacity_statistic"]),
    }
    if budget:
        sections["Training budget"] = detail.budget({b["epochs"]: read(b["min_capacity"]) for b in budget.values()},
                                               rules["capacity_split"], rules["capacity_statistic"])
    sections["Pruning"] = detail.pruning(
        {n: {scheme: pd.concat([read(p) for p in paths], ignore_index=True)
             for scheme, paths in i["pruning"].items()} for n, i in inputs.items()},
        rules["pruning_levels"])
    sections["Dead neurons (Table 1)"] = detail.dead_neurons({n: read(i["dead_neurons"]) for n, i in inputs.items()})
    sections["t-SNE (Fig. 5)"] = detail.tsne({n: read(i["tsne"]) for n, i in inputs.items()})
    sections["Saliency (Fig. 8)"] = detail.saliency({n: read(i["saliency_cases"]) for n, i in inputs.items()},
                                               {n: dict(np.load(i["saliency_maps"])) for n, i in inputs.items()})
    sections["Robustness (Fig. 6, 7)"] = detail.robustness({n: read(i["robustness"][-1]) for n, i in inputs.items()},
                                                      rules["noise_sigma"])
    with_imp = {n: i for n, i in inputs.items() if i.get("imp")}
    if with_imp:
        sections["Iterative pruning with fine-tuning"] = detail.imp_methods(
            {n: pd.concat([read(p) for p in i["imp"]], ignore_index=True) for n, i in with_imp.items()},
            {n: studies[n]["imp_tolerance_points"] for n in with_imp})
    with_mi = {n: read(i["mutual_info"]) for n, i in inputs.items() if i.get("mutual_info")}
    if with_mi:
        sections["Mutual information per unit"] = detail.mutual_information(with_mi, {n: studies[n]["pairs"] for n in with_mi})
    with_shift = {n: read(i["saliency_shift"]) for n, i in inputs.items() if i.get("saliency_shift")}
    if with_shift:
        sections["Saliency under corruption"] = detail.saliency_shift(with_shift)
    Path(md).parent.mkdir(parents=True, exist_ok=True)
    Path(md).write_text(detail.document(sections))
    print(Path(md).read_text())
