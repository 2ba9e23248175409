#!/usr/bin/env bash
# Mutation testing of the claims, statistics, IMP and saliency-shift modules (docs/design.md,
# "Mutation testing"; the modules and tests are [tool.mutmut] in pyproject.toml).
# mutmut runs the tests against a mutated copy of src/ in mutants/; an editable install of lowcap
# would shadow that copy, so this runs mutmut from a Python environment WITHOUT lowcap installed
# ($MUTMUT_VENV, default /opt/mutvenv), in a scratch copy of the checkout ($MUTATION_DIR, default
# /tmp/lowcap-mutation) so that mutants/ never lands in the checkout.
# Usage: benchmarks/mutation.sh [mutant glob ...]   e.g. benchmarks/mutation.sh 'lowcap.core.stats.*'
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
venv="${MUTMUT_VENV:-/opt/mutvenv}"
scratch="${MUTATION_DIR:-/tmp/lowcap-mutation}"
if "$venv/bin/python" -c "import lowcap" 2>/dev/null; then
    echo "$venv has lowcap installed: it would shadow mutmut's mutated copy" >&2
    exit 1
fi
# The tests' addopts ask pytest-xdist for workers; mutmut turns them off (-n 0), which needs the plugin.
if ! "$venv/bin/python" -c "import xdist" 2>/dev/null; then
    echo "$venv lacks pytest-xdist: $venv/bin/python -m pip install pytest-xdist" >&2
    exit 1
fi
mkdir -p "$scratch"
# A file moved or removed since the last run must not survive in the copies (mutmut keeps mutants/
# and never deletes from it: a stale module once failed the clean test run).
rm -rf "$scratch/src" "$scratch/tests"
if [ -d "$scratch/mutants" ]; then
    (cd "$scratch/mutants" && find src tests -name '*.py' 2>/dev/null) | while read -r f; do
        [ -e "$repo/$f" ] || rm -f "$scratch/mutants/$f"
    done
fi
# The real MNIST test split for the tests (beside the checkout, not beside the scratch copy).
if [ -z "${LOWCAP_MNIST_DIR:-}" ] && [ -d "$repo/../shared/mnist" ]; then
    export LOWCAP_MNIST_DIR="$(cd "$repo/../shared/mnist" && pwd)"
fi
# The checkout without its outputs; an earlier mutants/ stays, so mutmut reruns only what changed.
tar -C "$repo" --exclude=./results --exclude=./.snakemake --exclude=./mutants --exclude=./.git -cf - . \
    | tar -C "$scratch" -xf -
cd "$scratch"
# One child: the tests train small networks and already use every core torch is given. One
# thread each: mutmut forks its children from a process whose torch has started an OpenMP pool,
# and a forked child then hangs in it (every saliency-shift mutant "timed out", so counted as killed).
export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1
"$venv/bin/mutmut" run --max-children 1 "$@" || true
"$venv/bin/mutmut" export-cicd-stats
cat mutants/mutmut-cicd-stats.json
