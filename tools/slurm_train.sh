#!/usr/bin/env bash
# Training on a Slurm cluster.
#   [GPUS=8] [GPUS_PER_NODE=8] [CPUS_PER_TASK=5] [SRUN_ARGS=...] \
#     bash tools/slurm_train.sh PARTITION JOB_NAME CONFIG [WORK_DIR] [train.py args...]
set -euo pipefail
if [ $# -lt 3 ]; then
  echo "usage: $0 PARTITION JOB_NAME CONFIG [WORK_DIR] [train.py args...]" >&2; exit 2
fi
WORK_DIR=${4:-work_dirs/$(basename "${3%.*}")}
exec bash "$(dirname "$0")/launch/_srun.sh" "$1" "$2" train.py "$3" --work-dir="$WORK_DIR" "${@:5}"
