"""What every benchmark here times with."""

from __future__ import annotations

import time


def best_of(f, repeats: int = 3) -> float:
    """The fastest of `repeats` wall times of f(): the least disturbed by a shared machine."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        f()
        times.append(time.perf_counter() - start)
    return min(times)
