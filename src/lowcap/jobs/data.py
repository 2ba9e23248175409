"""Fetching the IDX files."""

from __future__ import annotations

from lowcap.core import data


def fetch_data(dataset: str, stem: str, sha256: str | None, out: str, config: dict) -> None:
    """Copy one IDX file from the dataset's mirror, or download it, verified (lowcap.core.data.fetch).
    The mirror is read from the run's `config`, not passed as a param: where the bytes come from is
    no part of the result (the checksum decides what they are), so another mirror reruns nothing."""
    print(data.fetch(dataset, stem, out, config["data"][dataset].get("mirror"), sha256))
