"""The claims registry: one small function per claim, each stating in its docstring its evidence,
its null, its test and its rule.

A claim function takes a `Study` (its name, pairs, architecture and tables) and the config's
`claims` section, and returns one `Result` or a list of them (a claim measured per pair). It is
registered with `@claim(kind, needs=..., architectures=...)`; `evaluate` runs every registered
claim in registration order. A claim whose tables the study did not build (`needs`), or whose
architecture it is not about, gets one `not testable` row saying why, without being called.

Verdicts say what they mean:
- paper claims (kind PAPER): reproduced, partly (holds in some strata and decisively fails in
  others), not reproduced, inconclusive (the interval spans the line: more seeds are needed),
  not testable. A difference from the paper says its direction in `measured`.
- the paper's open questions (kind OPEN): supported, not supported, inconclusive, not testable.
- the as-released rows (kind AS_RELEASED) check the authors' code, not the paper's claim: they
  use the paper vocabulary, and their claim text says so.
No rule may turn a verdict more favourable when the evidence gets noisier: a wider interval can
only move a verdict to inconclusive (tests/test_claims.py checks this for every claim).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import pandas as pd

from lowcap.core.stats import Estimate

PAPER, OPEN, AS_RELEASED = "paper", "open question", "as released"

REPRODUCED, PARTLY, NOT_REPRODUCED = "reproduced", "partly", "not reproduced"
SUPPORTED, NOT_SUPPORTED = "supported", "not supported"
INCONCLUSIVE, NOT_TESTABLE = "inconclusive", "not testable"

VERDICTS = {
    PAPER: (REPRODUCED, PARTLY, NOT_REPRODUCED, INCONCLUSIVE, NOT_TESTABLE),
    AS_RELEASED: (REPRODUCED, PARTLY, NOT_REPRODUCED, INCONCLUSIVE, NOT_TESTABLE),
    OPEN: (SUPPORTED, NOT_SUPPORTED, INCONCLUSIVE, NOT_TESTABLE),
}
# How favourable each verdict is to the claim: a noisier copy of the evidence must never score higher.
FAVOUR = {REPRODUCED: 3, SUPPORTED: 3, PARTLY: 2, INCONCLUSIVE: 1, NOT_TESTABLE: 1, NOT_REPRODUCED: 0,
          NOT_SUPPORTED: 0}

# The note on every row whose number is absolute and was measured on a smaller pool than the paper's.
TEST_POOL_NOTE = "absolute number measured on the 10k test pool, not the paper's 60k training pool"


@dataclass(frozen=True)
class Study:
    """What a claim function sees of one study."""

    name: str
    pairs: tuple[str, ...]
    architecture: str  # mlp | cnn
    pool: str  # train | test
    tables: dict[str, object]  # name -> DataFrame (or other evidence); a table the study lacks is absent

    def has(self, *names: str) -> bool:
        return all(self.tables.get(n) is not None for n in names)

    def __getitem__(self, name: str):
        return self.tables[name]


@dataclass(frozen=True)
class Result:
    """One row of the claims table."""

    claim_id: str
    claim: str  # what is claimed, in words
    paper: str  # what the paper says (or "open question")
    verdict: str
    measured: str  # the cell: the value, its interval, and any direction
    test: str  # the test behind the verdict
    null: str  # what the evidence has to beat
    n: str  # the units behind it ("3 seeds × 55 strata", "8 images × 33 networks")
    estimate: Estimate | None = None
    note: str = ""  # e.g. TEST_POOL_NOTE
    kind: str = PAPER
    rule: str = field(default="")  # filled from the claim function's docstring by `evaluate`

    def __post_init__(self):
        if self.verdict not in VERDICTS[self.kind]:
            raise ValueError(f"claim {self.claim_id}: verdict {self.verdict!r} is not one of {VERDICTS[self.kind]}")


@dataclass(frozen=True)
class Claim:
    function: Callable
    kind: str
    needs: tuple[str, ...]
    architectures: tuple[str, ...]
    ids: tuple[str, ...]  # the claim ids it returns (for the not-testable rows)

    @property
    def rule(self) -> str:
        """The docstring's 'Rule:' paragraph."""
        doc = self.function.__doc__ or ""
        for part in doc.split("\n\n"):
            text = " ".join(part.split())
            if text.startswith("Rule:"):
                return text[len("Rule:"):].strip()
        raise ValueError(f"claim {self.function.__name__} has no 'Rule:' paragraph in its docstring")


REGISTRY: list[Claim] = []


def claim(kind: str, ids: tuple[str, ...] | Callable, needs: tuple[str, ...] = (),
          architectures: tuple[str, ...] = ("mlp", "cnn")):
    """Register a claim function. `ids`: the claim ids it returns, or a function of the Study
    giving them (claims measured per pair)."""
    def register(function):
        REGISTRY.append(Claim(function, kind, tuple(needs), tuple(architectures), ids))
        return function
    return register


def claim_ids(entry: Claim, study: Study) -> tuple[str, ...]:
    return tuple(entry.ids(study)) if callable(entry.ids) else entry.ids


def not_testable(entry: Claim, study: Study, why: str) -> list[Result]:
    return [Result(cid, cid.replace("_", " "), "—", NOT_TESTABLE, "—", "—", "—", "—", kind=entry.kind,
                   note=why, rule=why) for cid in claim_ids(entry, study)]


def evaluate(study: Study, rules: dict) -> list[Result]:
    """Every registered claim, measured for one study."""
    out = []
    for entry in REGISTRY:
        if study.architecture not in entry.architectures:
            out += not_testable(entry, study, f"not testable for a {study.architecture} study: the claim is about "
                                              f"{' or '.join(entry.architectures)} networks")
            continue
        missing = [n for n in entry.needs if study.tables.get(n) is None]
        if missing:
            out += not_testable(entry, study, f"not testable: the study does not build {', '.join(missing)}")
            continue
        got = entry.function(study, rules)
        for r in [got] if isinstance(got, Result) else got:
            if r.kind != entry.kind:
                raise ValueError(f"claim {r.claim_id}: kind {r.kind!r}, registered as {entry.kind!r}")
            out.append(Result(**{**r.__dict__, "rule": r.rule or entry.rule}))
    return out


def long_table(results: dict[str, list[Result]]) -> pd.DataFrame:
    """study -> results, as the long CSV: one row per (claim, study)."""
    rows = []
    for study, rs in results.items():
        for r in rs:
            e = r.estimate
            rows.append({"claim_id": r.claim_id, "kind": r.kind, "claim": r.claim, "paper": r.paper, "study": study,
                         "verdict": r.verdict, "measured": r.measured, "test": r.test, "null": r.null, "n": r.n,
                         "value": e.value if e else None, "interval_low": e.low if e else None,
                         "interval_high": e.high if e else None, "n_units": e.n if e else None,
                         "n_missing": e.n_missing if e else None, "note": r.note, "rule": r.rule})
    return pd.DataFrame(rows)
