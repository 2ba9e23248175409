"""The verdict matrix: claims × studies, one coloured cell per verdict with the measured value,
the first thing the report shows (results/figures/verdict_matrix.png), and the report's first
page around it (results/report_home.rst) with the full claims table one click away
(results/claims.html)."""

from __future__ import annotations

import base64
import math
from pathlib import Path

import pandas as pd
from docutils.core import publish_string
from matplotlib.patches import Patch, Rectangle

from lowcap.figures import plots

# One colour per verdict, by how favourable it is to the claim (colour-blind safe: green-orange).
COLORS = {
    "reproduced": "#1b7837", "supported": "#1b7837",
    "partly": "#a6dba0",
    "inconclusive": "#f6e8c3",
    "not reproduced": "#c2410c", "not supported": "#c2410c",
    "not testable": "#e5e5e5",
}
DARK = {"reproduced", "supported", "not reproduced", "not supported"}  # white text on these
KIND_ORDER = {"paper": 0, "as released": 1, "open question": 2}
KIND_TITLES = {"paper": "Paper claims", "as released": "As-released checks (the authors' code)",
               "open question": "Open questions"}
MAX_LABEL = 60  # characters of a claim's text shown beside its row
PAGE_WIDTH_IN = 8.0  # the whole matrix fits an A4/letter page width at 100%
LABEL_IN = 4.0  # inches for the claims' labels, MAX_LABEL characters at 7.5 pt


def matrix_table(long: pd.DataFrame) -> pd.DataFrame:
    """The plotted cells: one row per (claim, study) in plot order (claims grouped by kind, studies
    in the CSV's order), with the verdict and the value shown (blank where not testable). `row` is
    the plotted row, counting one header row before each kind."""
    long = long.assign(_kind=long["kind"].map(KIND_ORDER).fillna(len(KIND_ORDER)))
    first = long.drop_duplicates("claim_id").sort_values("_kind", kind="stable")
    studies = list(dict.fromkeys(long["study"]))
    cells = long.drop_duplicates(["claim_id", "study"]).set_index(["claim_id", "study"])
    rows, row, last_kind = [], -1, None
    for claim in first.itertuples():
        if claim.kind != last_kind:
            row, last_kind = row + 1, claim.kind  # the kind's header row
        row += 1
        for col, study in enumerate(studies):
            hit = cells.loc[(claim.claim_id, study)] if (claim.claim_id, study) in cells.index else None
            verdict = hit["verdict"] if hit is not None else "not testable"
            value = hit["value"] if hit is not None and verdict != "not testable" else None
            rows.append({"row": row, "col": col, "kind": claim.kind, "claim_id": claim.claim_id, "study": study,
                         "verdict": verdict, "value": None if value is None or pd.isna(value) else float(value),
                         "claim": claim.claim})
    return pd.DataFrame(rows)


def cell_text(value) -> str:
    """A cell's value, short: integers as they are, others to 2 significant digits."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    v = float(value)
    if math.isinf(v):
        return "∞" if v > 0 else "-∞"
    if v.is_integer() and abs(v) < 1e6:
        return str(int(v))
    return f"{v:.2g}" if abs(v) < 10 else f"{v:.0f}"


def short_label(text: str) -> str:
    """A claim's text cut to MAX_LABEL characters, keeping its end: sibling claims differ there
    ("..., pair 0-1" / "..., pair 4-9")."""
    if len(text) <= MAX_LABEL:
        return text
    tail = MAX_LABEL // 3
    return text[: MAX_LABEL - tail - 1].rstrip() + "…" + text[-tail:].lstrip()


def row_labels(labels: pd.DataFrame) -> list[str]:
    """short_label of each row's claim; where two rows would read the same (claims that differ only
    in the middle of their text, e.g. the 95% and 99% pruning claims), the claim id ends the label."""
    short = [short_label(c) for c in labels["claim"]]
    clash = {t for t in short if short.count(t) > 1}
    return [f"{c[: MAX_LABEL - len(cid) - 4].rstrip()}… [{cid}]" if t in clash else t
            for t, c, cid in zip(short, labels["claim"], labels["claim_id"])]


def plot(table: pd.DataFrame, png, pdf, title: str) -> None:
    plt = plots.pyplot()
    n_rows, n_cols = int(table["row"].max()) + 1, int(table["col"].max()) + 1
    cell_w = min(0.8, (PAGE_WIDTH_IN - LABEL_IN) / n_cols)
    fig, ax = plt.subplots(figsize=(LABEL_IN + cell_w * n_cols, 1.3 + 0.21 * n_rows))
    fig.subplots_adjust(left=LABEL_IN / (LABEL_IN + cell_w * n_cols), right=0.99)
    for r in table.itertuples():
        ax.add_patch(Rectangle((r.col, r.row), 1, 1, facecolor=COLORS.get(r.verdict, "white"), edgecolor="white",
                               lw=1.2))
        ax.text(r.col + 0.5, r.row + 0.52, cell_text(r.value), ha="center", va="center", fontsize=7,
                color="white" if r.verdict in DARK else "black")
    for kind, rows in table.groupby("kind", sort=False):
        ax.text(-0.05, rows["row"].min() - 0.35, KIND_TITLES.get(kind, kind), ha="right", va="center",
                fontsize=8.5, fontweight="bold")
    ax.set_xlim(0, n_cols)
    ax.set_ylim(n_rows, 0)
    studies = table.drop_duplicates("col").sort_values("col")["study"]
    ax.set_xticks([c + 0.5 for c in range(n_cols)], studies, rotation=35, ha="left", rotation_mode="anchor",
                  fontsize=8.5)
    ax.xaxis.tick_top()
    labels = table.drop_duplicates("row").sort_values("row")
    ax.set_yticks([r + 0.5 for r in labels["row"]], row_labels(labels), fontsize=7.5)
    ax.tick_params(length=0, pad=2)
    for side in ax.spines.values():
        side.set_visible(False)
    present = [v for v in dict.fromkeys(COLORS) if v in set(table["verdict"])]
    ax.legend(handles=[Patch(facecolor=COLORS[v], edgecolor="0.6", label=v) for v in present],
              loc="upper center", bbox_to_anchor=(0.5, -0.005), ncol=min(len(present), 4), fontsize=8,
              frameon=False)
    ax.set_title(title, fontsize=10, pad=44, loc="left", x=-(LABEL_IN - 0.1) / (cell_w * n_cols))
    plots.save(fig, png, pdf)


def verdict_matrix(claims_csv: str, png: str, pdf: str, csv: str) -> None:
    long = pd.read_csv(claims_csv, dtype={"paper": str})
    table = matrix_table(long)
    table.to_csv(csv, index=False, float_format="%.6g")
    plot(table, png, pdf, "Which claims hold in which study (cell: the measured value)")


def first_page(png: str, rst: str, studies: list[str]) -> None:
    """The report's first page: a heading, what it shows, the matrix (a data: URI, the only way
    Snakemake's home page shows an image; a click opens its report entry) and the way to the full
    table. Kept short: Snakemake centres the home page vertically, so a page taller than the
    window loses its top."""
    uri = "data:image/png;base64," + base64.b64encode(Path(png).read_bytes()).decode()
    text = [
        "The paper's claims, measured per study",
        "=======================================",
        "",
        "lowcap reproduces, checks and extends *Understanding Generalization, Robustness, and Interpretability "
        "in Low-Capacity Neural Networks* (Kumar, arXiv 2507.16278). The matrix gives each claim's verdict in "
        f"each study ({', '.join(studies)}): green holds, orange fails, pale yellow is inconclusive (the "
        "interval spans the line), grey is not testable there.",
        "",
        # Snakemake names each report entry's link target by the file's name.
        "The full table, with every value's interval, test, null and n, is one click away: "
        "`results/claims.html <claims.html_>`_ (category Claims_; the CSV: `results/claims.csv <claims.csv_>`_). "
        "Click the matrix for its own page.",
        "",
        # docutils refuses lines over 10,000 characters; it joins a URI's lines, whitespace removed.
        ".. image:: " + "\n   ".join(uri[i:i + 96] for i in range(0, len(uri), 96)),
        "   :alt: verdict matrix: claims × studies, colour = verdict",
        "   :class: verdict-matrix",
        "   :target: `verdict_matrix.png`_",
        "",
        # Snakemake centres its home page in a full-height box: content taller than the window
        # would lose its top. Top-align it, and keep the matrix within the window's height.
        ".. raw:: html",
        "",
        "   <style>div.h-screen.overflow-auto.items-center{align-items:flex-start}"
        " .prose.max-w-lg{max-width:min(60rem,100%)}"
        " img.verdict-matrix{max-width:100%;max-height:85vh;width:auto;height:auto}</style>",
        "",
    ]
    Path(rst).write_text("\n".join(text))


def table_html(claims_rst: str, html: str) -> None:
    """The full claims table (results/claims.rst, written by the claims job) as a standalone HTML
    page: the report shows it in a frame, full width."""
    css = ("body{font-family:sans-serif;font-size:13px;margin:1em}table{border-collapse:collapse;width:100%}"
           "td,th{border:1px solid #ccc;padding:3px 5px;vertical-align:top}th{background:#f0f0f0}")
    page = publish_string(Path(claims_rst).read_text(), writer_name="html5",
                          settings_overrides={"embed_stylesheet": False, "stylesheet_path": "",
                                              "report_level": 5, "output_encoding": "unicode"})
    Path(html).write_text(page.replace("</head>", f"<style>{css}</style></head>", 1))
