"""A study's manifest: what it is and what it produced."""

from __future__ import annotations

import hashlib
from pathlib import Path

import yaml


def _plain(value):
    """Tuples as lists, so the YAML is plain."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def study_manifest(settings: dict, built: list[str], manifest: str) -> None:
    """The resolved settings of the study, and the sha256 of every figure and table it built
    (each figure's PDF and CSV beside its PNG, each table's Markdown beside its CSV)."""
    files = []
    for path in built:
        stem = Path(path).with_suffix("")
        files += sorted(str(p) for p in Path(path).parent.glob(stem.name + ".*") if p.suffix in (".png", ".pdf", ".csv", ".md"))
    content = {
        "settings": _plain(settings),
        "outputs": {p: hashlib.sha256(Path(p).read_bytes()).hexdigest() for p in sorted(set(files))},
    }
    Path(manifest).write_text(yaml.safe_dump(content, sort_keys=False, allow_unicode=True))
    print(f"{len(content['outputs'])} files")
