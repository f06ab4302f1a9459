#!/usr/bin/env bash
# Distributed training on torchrun, single- or multi-node.
#   bash tools/dist_train.sh CONFIG GPUS [train.py args...]
#   NNODES=2 NODE_RANK=0 MASTER_ADDR=10.0.0.1 PORT=29500 bash tools/dist_train.sh CONFIG 8
# GPUS is the number of processes per node; on a machine without CUDA they are CPU
# processes on the gloo backend.
set -euo pipefail
if [ $# -lt 2 ]; then
  echo "usage: $0 CONFIG GPUS_PER_NODE [train.py args...]" >&2; exit 2
fi
exec bash "$(dirname "$0")/launch/_torchrun.sh" "$2" train.py "$1" "${@:3}"
