#!/usr/bin/env bash
# Shared by tools/dist_train.sh and tools/dist_test.sh: run a tools/ script under torchrun.
#   bash tools/launch/_torchrun.sh NPROC_PER_NODE SCRIPT [script args...]
# NNODES, NODE_RANK, MASTER_ADDR, PORT select the (multi-node) rendezvous.
set -euo pipefail
GPUS=$1
SCRIPT=$2
DIR="$(cd "$(dirname "$0")/.." && pwd)"  # tools/
PYTHONPATH="$DIR/..${PYTHONPATH:+:$PYTHONPATH}" \
OMP_NUM_THREADS=${OMP_NUM_THREADS:-1} \
exec python -m torch.distributed.run \
    --nnodes="${NNODES:-1}" \
    --node_rank="${NODE_RANK:-0}" \
    --master_addr="${MASTER_ADDR:-127.0.0.1}" \
    --nproc_per_node="$GPUS" \
    --master_port="${PORT:-29500}" \
    "$DIR/$SCRIPT" "${@:3}" --launcher pytorch
