"""The verdict matrix (lowcap.figures.verdict_matrix): every claim x study once, colours by verdict,
blank not-testable cells, the CSV equal to the plotted cells; the report's first page around it."""

from __future__ import annotations

import math

import pandas as pd
import pytest
from matplotlib.colors import to_hex

from lowcap.figures import verdict_matrix as vm

STUDIES = ["released", "explicit", "released-cnn"]


def long_table() -> pd.DataFrame:
    """A claims.csv as registry.long_table writes it: kinds out of order, one claim missing in a
    study, a not-testable cell that still carries a value, an infinite value."""
    rows = [
        ("imp_95", "open question", "IMP keeps F1 at 95%", {"released": ("supported", 0.35),
                                                             "explicit": ("inconclusive", 0.4),
                                                             "released-cnn": ("not supported", 0.1)}),
        ("min_width_4-9", "paper", "minimum width with F1 > 0.9 (val split, best_f1), pair 4-9",
         {"released": ("not reproduced", math.inf), "explicit": ("reproduced", 16.0),
          "released-cnn": ("not testable", 3.0)}),
        ("strokes", "paper", "saliency focuses on the digit's strokes", {"released": ("partly", 1.05),
                                                                         "explicit": ("reproduced", 1.6)}),
        ("pruning_as-released_95", "as released", "one-shot pruning (as-released) keeps F1 at 95%",
         {s: ("reproduced", 0.0) for s in STUDIES}),
    ]
    out = []
    for cid, kind, text, cells in rows:
        for study in STUDIES:
            if study in cells:
                verdict, value = cells[study]
                out.append({"claim_id": cid, "kind": kind, "claim": text, "paper": "x", "study": study,
                            "verdict": verdict, "measured": str(value), "value": value})
    return pd.DataFrame(out)


def plotted_cells(fig) -> dict:
    """(row, col) -> (face colour, text) of the matrix drawn in `fig`."""
    from matplotlib.patches import Rectangle

    ax = fig.axes[0]
    texts = {(round(t.get_position()[1] - 0.52), round(t.get_position()[0] - 0.5)): t.get_text()
             for t in ax.texts if t.get_ha() == "center"}
    return {(int(p.get_y()), int(p.get_x())): (to_hex(p.get_facecolor()), texts.get((int(p.get_y()), int(p.get_x()))))
            for p in ax.patches if isinstance(p, Rectangle)}


@pytest.fixture
def drawn_matrix(tmp_path, drawn):
    claims = tmp_path / "claims.csv"
    long_table().to_csv(claims, index=False)
    vm.verdict_matrix(str(claims), str(tmp_path / "m.png"), str(tmp_path / "m.pdf"), str(tmp_path / "m.csv"))
    return pd.read_csv(tmp_path / "m.csv"), plotted_cells(drawn[0])


def test_every_claim_and_study_appears_once_grouped_by_kind(drawn_matrix):
    table, _ = drawn_matrix
    assert len(table) == 4 * len(STUDIES)
    assert not table.duplicated(["claim_id", "study"]).any()
    assert list(table.drop_duplicates("claim_id")["claim_id"]) == [
        "min_width_4-9", "strokes", "pruning_as-released_95", "imp_95"]  # paper, as released, open
    assert list(table.drop_duplicates("col")["study"]) == STUDIES
    # A claim missing from a study's results is not testable there.
    assert table.set_index(["claim_id", "study"]).loc[("strokes", "released-cnn"), "verdict"] == "not testable"


def test_not_testable_cells_show_no_value(drawn_matrix):
    table, cells = drawn_matrix
    untestable = table[table.verdict == "not testable"]
    assert len(untestable) == 2 and untestable["value"].isna().all()
    for r in untestable.itertuples():
        assert cells[(r.row, r.col)][1] == ""
    # ... and a testable one does, infinity included.
    row = table.set_index(["claim_id", "study"]).loc[("min_width_4-9", "released")]
    assert cells[(row.row, row.col)][1] == "∞"


def test_colours_follow_the_verdict(drawn_matrix):
    table, cells = drawn_matrix
    for r in table.itertuples():
        assert cells[(r.row, r.col)][0] == vm.COLORS[r.verdict], r
    # Favourable and unfavourable verdicts never share a colour.
    assert vm.COLORS["reproduced"] != vm.COLORS["not reproduced"] != vm.COLORS["inconclusive"]
    assert len({vm.COLORS[v] for v in ("reproduced", "partly", "inconclusive", "not reproduced",
                                       "not testable")}) == 5


def test_the_csv_equals_the_plotted_cells(drawn_matrix):
    table, cells = drawn_matrix
    assert set(cells) == set(zip(table["row"], table["col"]))  # no cell drawn that the CSV lacks
    for r in table.itertuples():
        value = None if pd.isna(r.value) else r.value
        assert cells[(r.row, r.col)][1] == vm.cell_text(value)


def test_labels_keep_the_end_that_tells_sibling_claims_apart():
    a = vm.short_label("minimum capacity in parameters with F1 > 0.9 (val split, best_f1), pair 0-1")
    b = vm.short_label("minimum capacity in parameters with F1 > 0.9 (val split, best_f1), pair 4-9")
    assert a != b and a.endswith("pair 0-1") and len(a) <= vm.MAX_LABEL


def test_the_matrix_fits_a_page_width(tmp_path):
    from PIL import Image

    many = pd.concat([long_table().assign(study=f"{s}-{i}") for i in range(3) for s in STUDIES])
    claims = tmp_path / "claims.csv"
    many.to_csv(claims, index=False)
    vm.verdict_matrix(str(claims), str(tmp_path / "m.png"), str(tmp_path / "m.pdf"), str(tmp_path / "m.csv"))
    width_px, _ = Image.open(tmp_path / "m.png").size
    assert width_px / 150 <= vm.PAGE_WIDTH_IN + 1.0  # 150 dpi, a little margin for tight bbox


def test_the_first_page_is_short_and_embeds_the_matrix(tmp_path):
    import base64

    png = tmp_path / "m.png"
    png.write_bytes(b"\x89PNG fake")
    vm.first_page(str(png), str(tmp_path / "home.rst"), STUDIES)
    text = (tmp_path / "home.rst").read_text()
    assert "data:image/png;base64," + base64.b64encode(png.read_bytes()).decode() in text
    assert "<claims.html_>`_" in text and "released-cnn" in text
    assert len([line for line in text.splitlines() if line.strip()]) < 16  # no table on the first page


def test_rows_whose_shortened_texts_collide_are_told_apart_by_their_claim_id():
    text = "one-shot magnitude pruning (per-layer) keeps F1 at {} sparsity: every (pair, width) interval is above -2 F1 points"
    labels = pd.DataFrame({"claim": [text.format("95%"), text.format("99%"), "short claim"],
                           "claim_id": ["pruning_per-layer_95", "pruning_per-layer_99", "short"]})
    assert vm.short_label(labels["claim"][0]) == vm.short_label(labels["claim"][1])  # the case being fixed
    got = vm.row_labels(labels)
    assert len(set(got)) == 3 and got[2] == "short claim"
    assert got[0].endswith("[pruning_per-layer_95]") and got[1].endswith("[pruning_per-layer_99]")
    assert all(len(g) <= vm.MAX_LABEL for g in got)


def test_the_job_writes_the_matrix_the_table_page_and_the_first_page(tmp_path):
    """lowcap.jobs.claims_figures.verdict_matrix: what the rule verdict_matrix reads and writes."""
    from lowcap.jobs.claims_figures import verdict_matrix

    claims_csv, claims_rst = tmp_path / "claims.csv", tmp_path / "claims.rst"
    long_table().to_csv(claims_csv, index=False)
    claims_rst.write_text("Claims\n======\n\n=====  =====\na      b\n=====  =====\n")
    out = {name: str(tmp_path / f"out.{name}") for name in ("png", "pdf", "csv", "html")}
    verdict_matrix(str(claims_csv), str(claims_rst), STUDIES, 0.95, home=str(tmp_path / "home.rst"), **out)
    assert all((tmp_path / f"out.{name}").stat().st_size > 0 for name in out)
    assert len(pd.read_csv(out["csv"])) == long_table()["claim_id"].nunique() * len(STUDIES)  # every cell once
    assert "<table" in (tmp_path / "out.html").read_text() and "released-cnn" in (tmp_path / "home.rst").read_text()
