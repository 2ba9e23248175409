"""The claims table as people read it: results/claims.md (Markdown), results/claims.rst (the
full table, which the report shows one click from its verdict-matrix first page), and the
README's generated block.

Both documents have one row per claim and ONE column per study, whose cell is
"**verdict** · value [interval]" (a not-testable cell shows its verdict and why), then the test,
the null and the n behind the row. Rows are grouped by kind (paper claims, as-released checks,
open questions), then by claim family (the module of lowcap.claims that registers them).
The CSV (registry.long_table) holds the same, one row per (claim, study).
"""

from __future__ import annotations

import pandas as pd

from lowcap.claims.registry import AS_RELEASED, NOT_TESTABLE, OPEN, PAPER

KIND_TITLES = {PAPER: "Paper claims", AS_RELEASED: "As-released checks (the authors' code, not the paper's claim)",
               OPEN: "The paper's open questions"}
FAMILY_TITLES = {"capacity": "Capacity", "pruning": "Pruning and what it keeps", "robustness": "Robustness",
                 "imp": "Iterative pruning with fine-tuning", "mutual_info": "Mutual information per unit",
                 "saliency_shift": "Saliency under corruption"}

BLOCK_BEGIN = "<!-- claims:begin"
BLOCK_END = "<!-- claims:end -->"


def cell_text(row) -> str:
    """One study's cell: the verdict in bold, then the measured value (or, not testable, why)."""
    if row["verdict"] == NOT_TESTABLE:
        why = str(row["note"] or "").removeprefix("not testable: ").removeprefix("not testable ")
        return f"**{NOT_TESTABLE}**" + (f" · {why}" if why else "")
    measured = str(row["measured"]) if pd.notna(row["measured"]) and row["measured"] not in ("", "—") else ""
    return f"**{row['verdict']}**" + (f" · {measured}" if measured else "")


def _unique(values) -> str:
    """The distinct non-empty values of a row across studies, in study order."""
    seen = [str(v) for v in dict.fromkeys(values) if pd.notna(v) and str(v) not in ("", "—")]
    return " / ".join(seen) if seen else "—"


def grouped_rows(long: pd.DataFrame, families: dict[str, str]) -> list[tuple[str, str, list[dict]]]:
    """(kind title, family title, rows) in table order; each row: claim, paper, cells per study,
    test, null, n, note. `families`: claim id -> family (module) name."""
    long = long.fillna({"note": "", "measured": ""})
    studies = list(dict.fromkeys(long["study"]))
    cells = long.set_index(["claim_id", "study"])
    order = list(dict.fromkeys(long["claim_id"]))
    groups: dict[tuple[str, str], list[dict]] = {}
    for cid in order:
        rows = long[long["claim_id"] == cid]
        testable = rows[rows["verdict"] != NOT_TESTABLE]
        first = (testable if len(testable) else rows).iloc[0]
        entry = {"claim": first["claim"], "paper": first["paper"],
                 "cells": [cell_text(cells.loc[(cid, s)]) if (cid, s) in cells.index else f"**{NOT_TESTABLE}**"
                           for s in studies],
                 "test": _unique(testable["test"]), "null": _unique(testable["null"]),
                 "n": " / ".join(f"{r.study}: {r.n}" for r in testable.itertuples()) if
                 testable["n"].nunique() > 1 else _unique(testable["n"]),
                 "note": _unique(testable["note"])}
        family = families.get(cid, "other")
        groups.setdefault((first["kind"], family), []).append(entry)
    kinds = [PAPER, AS_RELEASED, OPEN]
    ordered = sorted(groups, key=lambda kf: (kinds.index(kf[0]) if kf[0] in kinds else len(kinds)))
    return [(KIND_TITLES.get(k, k), FAMILY_TITLES.get(f, f), groups[(k, f)]) for k, f in ordered]


def _md_cell(text) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def markdown(long: pd.DataFrame, families: dict[str, str]) -> str:
    """The tables of claims.md: a heading per kind, a table per family."""
    studies = list(dict.fromkeys(long["study"]))
    head = ["claim", "paper", *studies, "test", "null", "n", "note"]
    parts, last_kind = [], None
    for kind, family, rows in grouped_rows(long, families):
        if kind != last_kind:
            parts.append(f"## {kind}\n")
            last_kind = kind
        lines = [f"### {family}\n", "| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
        for r in rows:
            values = [r["claim"], r["paper"], *r["cells"], r["test"], r["null"], r["n"], r["note"]]
            lines.append("| " + " | ".join(_md_cell(v) for v in values) + " |")
        parts.append("\n".join(lines) + "\n")
    return "\n".join(parts)


def _rst(text) -> str:
    """Plain text for RST: a |word| would be a substitution reference, a backquote markup."""
    return str(text).replace("\\", "\\\\").replace("`", "'").replace("|", "\\|").replace("\n", " ")


def _rst_cell(text) -> str:
    """RST keeps **bold** for the verdict; other asterisks are escaped."""
    text = _rst(text)
    if text.startswith("**"):
        verdict, _, rest = text[2:].partition("**")
        return f"**{verdict}**" + rest.replace("*", "\\*")
    return text.replace("*", "\\*")


def rst(long: pd.DataFrame, families: dict[str, str], confidence: float) -> str:
    """The full claims table for the HTML report (RST list-tables), with what lowcap is."""
    studies = list(dict.fromkeys(long["study"]))
    lines = [
        "The paper's claims, measured per study",
        "=======================================",
        "",
        "lowcap reproduces, checks and extends *Understanding Generalization, Robustness, and Interpretability "
        "in Low-Capacity Neural Networks* (Kumar, arXiv 2507.16278). " + intro_text(confidence),
        "",
    ]
    last_kind = None
    for kind, family, rows in grouped_rows(long, families):
        if kind != last_kind:
            lines += [_rst(kind), "-" * len(_rst(kind)), ""]
            last_kind = kind
        lines += [_rst(family), "~" * len(_rst(family)), "", ".. list-table::", "   :header-rows: 1", ""]
        head = ["claim", "paper", *studies, "test", "null", "n", "note"]
        lines += [f"   {'*' if i == 0 else ' '} - {h}" for i, h in enumerate(head)]
        for r in rows:
            values = [r["claim"], r["paper"], *r["cells"], r["test"], r["null"], r["n"], r["note"]]
            lines += [f"   {'*' if i == 0 else ' '} - {_rst_cell(v)}" for i, v in enumerate(values)]
        lines.append("")
    return "\n".join(lines) + "\n"


def intro_text(confidence: float) -> str:
    return (f"Each study's cell gives the verdict, then the value measured from that study's own runs with its "
            f"{confidence:.0%} interval in brackets. A favourable verdict needs the whole interval on the claim's "
            "side of the line; an interval that spans it gives *inconclusive* (more seeds would decide). Each row "
            "names its test, its null (what the evidence has to beat) and its n; its rule is in "
            "results/claims.csv (column `rule`) and the numbers of the rules are in config.yaml, section `claims`. "
            "Open questions read supported / not supported; the as-released rows check the authors' code, not the "
            "paper's claim.")


def document(long: pd.DataFrame, families: dict[str, str], confidence: float) -> str:
    """results/claims.md."""
    return ("# The paper's claims, measured per study\n\n" + intro_text(confidence) + "\n\n"
            + markdown(long, families))


def replace_block(readme: str, begin: str, end: str, body: str) -> str:
    """`readme` with the lines between the line that starts with `begin` and the `end` marker
    replaced by `body`."""
    start = readme.index(begin)
    start = readme.index("\n", start) + 1
    stop = readme.index(end)
    return readme[:start] + body.strip() + "\n" + readme[stop:]


def tables_of(claims_md: str) -> str:
    """claims.md from its first heading or table line on (its title and intro stay out of the README),
    headings one level down: the README quotes it inside a section of its own."""
    lines = claims_md.splitlines(keepends=True)
    first = next(i for i, line in enumerate(lines) if line.startswith(("| ", "## ")))
    return "".join("#" + line if line.startswith("#") else line for line in lines[first:])


SEEDS_BEGIN = "<!-- seeds:begin"
SEEDS_END = "<!-- seeds:end -->"
# The ten-seed run's claims table, kept beside the docs: its run takes about 40 minutes on 2 cores,
# so the README's comparison is generated from this copy (docs/claims.md gives the command).
TEN_SEEDS_TABLE = "docs/results/claims-10seeds.csv"
UNDECIDED = "inconclusive"


def _number(value: float) -> str:
    """3 significant digits, whole numbers (parameter counts) without an exponent."""
    return f"{value:.0f}" if abs(value) >= 1000 else f"{value:.3g}"


def _estimate(row) -> str:
    """value [low, high]; blank where the row has no number."""
    if pd.isna(row["value"]):
        return ""
    text = _number(row["value"])
    if pd.notna(row["interval_low"]) and pd.notna(row["interval_high"]):
        text += f" [{_number(row['interval_low'])}, {_number(row['interval_high'])}]"
    return text


def seeds_comparison(three: pd.DataFrame, ten: pd.DataFrame) -> str:
    """The verdicts of the studies both runs judge, with three seeds and with ten, side by side: a
    count line, then the rows that three seeds left undecided or that ten seeds judge otherwise."""
    keys = ["claim_id", "study"]
    both = three.merge(ten, on=keys, suffixes=("_3", "_10"))
    both = both[both["verdict_3"] != NOT_TESTABLE]
    undecided = both["verdict_3"] == UNDECIDED
    decided = undecided & (both["verdict_10"] != UNDECIDED)
    changed = ~undecided & (both["verdict_3"] != both["verdict_10"])
    lines = [f"Of {len(both)} testable rows of the studies {', '.join(dict.fromkeys(both['study']))}, three seeds "
             f"leave {int(undecided.sum())} inconclusive; ten seeds decide {int(decided.sum())} of them. "
             f"{int(changed.sum())} verdicts that three seeds gave change with ten.", "",
             "| claim | study | 3 seeds | 10 seeds |", "|---|---|---|---|"]
    for _, r in both[undecided | changed].iterrows():
        cells = [f"**{r[f'verdict_{n}']}** {_estimate(r.rename(lambda c: c.removesuffix(f'_{n}')))}".strip()
                 for n in (3, 10)]
        lines.append(f"| {r['claim_id']} | {r['study']} | {cells[0]} | {cells[1]} |")
    return "\n".join(lines) + "\n"


FINDINGS_PAGE = "docs/findings.md"  # beside the README: the generated detail behind the claims table


def readme_block(readme: str, claims_md: str) -> str:
    """`readme` with the text between the claims markers replaced by the tables of `claims_md`."""
    return replace_block(readme, BLOCK_BEGIN, BLOCK_END, tables_of(claims_md))


def findings_block(page: str, findings_md: str) -> str:
    """`page` (docs/findings.md) with the text between the findings markers replaced by `findings_md`."""
    from lowcap.claims import findings

    return replace_block(page, findings.BLOCK_BEGIN, findings.BLOCK_END, findings_md)


def main(argv: list[str] | None = None) -> int:
    """`python3 -m lowcap.claims README.md results/claims.md results/findings.md`: copy the claims
    tables of a run into the README and its findings into docs/findings.md beside it, between their
    markers (tests/test_readme.py checks that they agree with a fresh offline run), and the findings
    page's three-against-ten-seeds comparison from that run's claims.csv and TEN_SEEDS_TABLE."""
    import sys
    from pathlib import Path

    readme, claims_md, findings_md = argv if argv is not None else sys.argv[1:]
    path = Path(readme)
    readme_text, page_text = generated_docs(path.read_text(), (path.parent / FINDINGS_PAGE).read_text(),
                                            Path(claims_md), Path(findings_md), path.parent / TEN_SEEDS_TABLE)
    path.write_text(readme_text)
    (path.parent / FINDINGS_PAGE).write_text(page_text)
    return 0


def generated_docs(readme: str, findings_page: str, claims_md, findings_md, ten_seeds_csv) -> tuple[str, str]:
    """The README (its claims block) and docs/findings.md (its findings and seeds blocks) filled
    from a run's results/claims.md (and the claims.csv beside it), results/findings.md and the
    ten-seed table."""
    from pathlib import Path

    readme = readme_block(readme, Path(claims_md).read_text())
    three = pd.read_csv(Path(claims_md).with_suffix(".csv"), dtype={"claim_id": str})
    ten = pd.read_csv(ten_seeds_csv, dtype={"claim_id": str})
    page = findings_block(findings_page, Path(findings_md).read_text())
    return readme, replace_block(page, SEEDS_BEGIN, SEEDS_END, seeds_comparison(three, ten))
