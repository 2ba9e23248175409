"""The verdict matrix (claims x studies) and the report's first page around it, drawn from the
claims table (no torch); the claims themselves are lowcap.jobs.claims."""

from __future__ import annotations

from lowcap.figures import verdict_matrix as figures


def verdict_matrix(claims_csv: str, claims_rst: str, studies: list[str], confidence: float, png: str, pdf: str,
                   csv: str, html: str, home: str) -> None:
    """The matrix (png, pdf, csv: the plotted cells), the full claims table as a page of its own
    (html) and the report's first page (home). `confidence` is the claims' interval level, which
    the table page's caption names (workflow/report/claims_html.rst); the drawing needs none."""
    figures.verdict_matrix(claims_csv, png, pdf, csv)
    figures.table_html(claims_rst, html)
    figures.first_page(png, home, studies)
