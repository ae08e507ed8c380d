#!/usr/bin/env bash
# The live path next to the bare libraries: ../shared/bench-ref's portal mode, its driver adapted to
# releases per submission (per-submission.patch), run on a copy of it against this checkout.
#
#   bench/bench-ref/run.sh                      # NS=1000 M=60 REPEAT=3, portal + python + node (~12 min)
#   NS=1000 M=30 REPEAT=1 MODES="portal python" bench/bench-ref/run.sh
#
# Every knob of bench-ref's project/run.sh passes through (NS M REPEAT MODES GAP TIMEOUT_MS ...).
# The copy lives in ${BENCH_REF_COPY:-$TMPDIR/bench-ref-portal}; its results in project/results/ there.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd); checkout=$(cd "$here/../.." && pwd)
source=${BENCH_REF:-$checkout/../shared/bench-ref}
copy=${BENCH_REF_COPY:-${TMPDIR:-/tmp}/bench-ref-portal}
[ -d "$source/project" ] || { echo "bench-ref not found at $source (set BENCH_REF)"; exit 2; }
[ -x "$checkout/.venv/bin/python" ] || { echo "no .venv in $checkout: run make install first"; exit 2; }
mkdir -p "$copy"
# A fresh copy of everything but what bench-ref installs and writes (node_modules, .venv*, results).
rsync -a --delete --chmod=u+w --exclude node_modules --exclude '.venv*' --exclude results "$source/" "$copy/"
patch -s -d "$copy" -p1 < "$here/per-submission.patch"
export CHECKOUT=$checkout NS=${NS:-1000} M=${M:-60} REPEAT=${REPEAT:-3}
exec "$copy/project/run.sh"
