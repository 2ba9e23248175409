"""Mutation score of a random sample of mutants, with its 95% Clopper-Pearson interval.

    benchmarks/mutation.sh first (it generates the mutants), then, in its scratch copy:
    python3 benchmarks/mutation_sample.py N SEED GLOB [GLOB ...]

For modules whose tests train networks (analyses/imp.py, analyses/saliency_shift.py: about 20 s of
tests per mutant, 563 mutants), testing every mutant takes hours on 2 cores; a seeded sample of N
estimates the score, and the interval says how far it can be from the full run's.
"""

from __future__ import annotations

import fnmatch
import random
import subprocess
import sys

from statsmodels.stats.proportion import proportion_confint


def statuses(mutmut: str) -> dict[str, str]:
    out = subprocess.run([mutmut, "results", "--all", "true"], capture_output=True, text=True, check=True).stdout
    return dict(line.strip().rsplit(": ", 1) for line in out.splitlines() if ": " in line)


def main(argv: list[str]) -> int:
    n, seed, globs = int(argv[0]), int(argv[1]), argv[2:]
    mutmut = sys.executable.rsplit("/", 1)[0] + "/mutmut"
    names = sorted(k for k in statuses(mutmut) if any(fnmatch.fnmatch(k, g) for g in globs))
    sample = sorted(random.Random(seed).sample(names, min(n, len(names))))
    subprocess.run([mutmut, "run", "--max-children", "1", *sample], check=False)
    found = statuses(mutmut)
    counts: dict[str, int] = {}
    for name in sample:
        counts[found[name]] = counts.get(found[name], 0) + 1
    # mutmut's own score counts a timeout as killed; so does this one (a mutant that hangs is caught)
    tested = sum(v for k, v in counts.items() if k in ("killed", "survived", "timeout"))
    killed = counts.get("killed", 0) + counts.get("timeout", 0)
    low, high = proportion_confint(killed, tested, alpha=0.05, method="beta") if tested else (0.0, 1.0)
    print(f"sample of {len(sample)} of {len(names)} mutants (seed {seed}): {counts}")
    print(f"killed {killed} of {tested} tested: {100 * killed / max(tested, 1):.0f}% "
          f"(95% Clopper-Pearson interval {100 * low:.0f}-{100 * high:.0f}%)")
    print("survivors:", [k for k in sample if found[k] == "survived"])
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
