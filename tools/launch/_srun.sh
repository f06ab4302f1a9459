#!/usr/bin/env bash
# Shared by tools/slurm_train.sh and tools/slurm_test.sh: run a tools/ script under srun.
#   bash tools/launch/_srun.sh PARTITION JOB_NAME SCRIPT [script args...]
# GPUS (8), GPUS_PER_NODE (8), CPUS_PER_TASK (5), SRUN_ARGS select the allocation.
set -euo pipefail
DIR="$(cd "$(dirname "$0")/.." && pwd)"  # tools/
GPUS_PER_NODE=${GPUS_PER_NODE:-8}
PYTHONPATH="$DIR/..${PYTHONPATH:+:$PYTHONPATH}" \
srun -p "$1" \
    --job-name="$2" \
    --gres=gpu:"${GPUS_PER_NODE}" \
    --ntasks="${GPUS:-8}" \
    --ntasks-per-node="${GPUS_PER_NODE}" \
    --cpus-per-task="${CPUS_PER_TASK:-5}" \
    --kill-on-bad-exit=1 \
    ${SRUN_ARGS:-} \
    python -u "$DIR/$3" "${@:4}" --launcher=slurm
