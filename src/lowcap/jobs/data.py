"""Fetching the IDX files."""

from __future__ import annotations

from lowcap.core import data


def fetch_data(dataset: str, stem: str, mirror: str | None, sha256: str | None, out: str) -> None:
    print(data.fetch(dataset, stem, out, mirror, sha256))
