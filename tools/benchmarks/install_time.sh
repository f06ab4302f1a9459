#!/usr/bin/env bash
# Time tools/setup/install.sh from nothing, and again with the mmcv wheel cached; print JSON.
#   bash tools/benchmarks/install_time.sh [SCRATCH_DIR]
# Cold: a new venv, an empty wheelhouse and an empty pip cache (what CI on a new machine
# does). Repeat: a new venv with the wheelhouse (and pip cache) of the cold run. Up to date:
# a third call on the finished environment. Needs ~6 GB in SCRATCH_DIR (default: a temp dir).
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
SCRATCH="${1:-$(mktemp -d)}"
mkdir -p "$SCRATCH"
export SYNTHSSL_WHEELHOUSE="$SCRATCH/wheels" PIP_CACHE_DIR="$SCRATCH/pip-cache"
rm -rf "$SCRATCH/venv-cold" "$SCRATCH/venv-repeat" "$SYNTHSSL_WHEELHOUSE" "$PIP_CACHE_DIR"

# Prints the command's wall time in seconds (ms resolution).
t() { local s; s=$(date +%s%3N); "$@" >>"$SCRATCH/install.log" 2>&1; echo "$(( $(date +%s%3N) - s ))e-3"; }
cold=$(SYNTHSSL_VENV="$SCRATCH/venv-cold" t bash "$ROOT/tools/setup/install.sh")
mmcv=$(grep -o 'mmcv wheel built in [0-9]*s' "$SCRATCH/install.log" | grep -o '[0-9]*' | tail -n1)
repeat=$(SYNTHSSL_VENV="$SCRATCH/venv-repeat" t bash "$ROOT/tools/setup/install.sh")
uptodate=$(SYNTHSSL_VENV="$SCRATCH/venv-repeat" t bash "$ROOT/tools/setup/install.sh")
python3 - "$cold" "$mmcv" "$repeat" "$uptodate" "$(nproc)" <<'PY'
import json, sys
cold, mmcv, repeat, uptodate, cores = sys.argv[1:]
print(json.dumps(dict(
    cold_install_s=round(float(cold), 1), mmcv_build_s=int(mmcv),
    repeat_install_s=round(float(repeat), 1), up_to_date_check_s=round(float(uptodate), 2),
    repeat_over_cold=round(float(repeat) / float(cold), 3), cores=int(cores))))
PY
