"""Which library code a job runs, as a digest: a rule passes it as a param, so Snakemake reruns
the job when that code changes (and only then).

Snakemake itself tracks a `script:` by its mtime, not the modules the script imports. Here a job
module's code is the module, its packages' __init__ files, and every `lowcap` module they import,
directly or not, at module level or inside a function, found by reading the source (nothing is
imported). Any byte change
counts, comments included: a rerun too many is cheap, a stale result is not.
"""

from __future__ import annotations

import ast
import hashlib
from functools import lru_cache
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parents[1]  # src/lowcap


def _module_path(module: str) -> Path | None:
    parts = module.split(".")
    if parts[0] != "lowcap":
        return None
    base = PACKAGE_DIR.joinpath(*parts[1:])
    for path in (base.with_suffix(".py"), base / "__init__.py"):
        if path.is_file():
            return path
    return None


def _imports(path: Path, module: str) -> set[str]:
    """The lowcap modules that a source file imports, anywhere in it."""
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    return {n for n in _lowcap_names(path.read_text(), str(path), package) if _module_path(n) is not None}


# Keyed by the source text, so an edited file is parsed again: parsing is most of the cost of
# reading a Snakefile (every rule's closure shares modules), and each snakemake call pays it.
@lru_cache(maxsize=None)
def _lowcap_names(source: str, filename: str, package: str) -> frozenset[str]:
    """The lowcap module names that `source` (a module of `package`) imports, and their parents."""
    found = set()
    for node in ast.walk(ast.parse(source, filename)):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                source_module = ".".join(base + ([node.module] if node.module else []))
            else:
                source_module = node.module or ""
            found.add(source_module)
            # `from lowcap import pruning` imports the module lowcap.analyses.pruning
            found.update(f"{source_module}.{alias.name}" for alias in node.names)
    names = set()
    for name in found:
        if name.split(".")[0] != "lowcap":
            continue
        # `import lowcap.a.b` also runs lowcap/__init__ and lowcap/a/__init__
        parts = name.split(".")
        names.update(".".join(parts[: i + 1]) for i in range(len(parts)))
    return frozenset(names)


@lru_cache(maxsize=None)
def module_closure(module: str) -> tuple[str, ...]:
    """`module`, its packages (importing lowcap.jobs.train runs lowcap/jobs/__init__.py, where
    every job's runner lives), and every lowcap module they import, transitively, sorted."""
    parts = module.split(".")
    seen, todo = set(), [".".join(parts[: i + 1]) for i in range(len(parts))]
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        path = _module_path(name)
        if path is None:
            raise ValueError(f"no module {name!r} in {PACKAGE_DIR}")
        seen.add(name)
        todo.extend(_imports(path, name) - seen)
    return tuple(sorted(seen))


@lru_cache(maxsize=None)
def code_digest(module: str) -> str:
    """sha256 over the source of `module`'s closure: 16 hex digits."""
    h = hashlib.sha256()
    for name in module_closure(module):
        h.update(name.encode() + b"\0" + _module_path(name).read_bytes() + b"\0")
    return h.hexdigest()[:16]
