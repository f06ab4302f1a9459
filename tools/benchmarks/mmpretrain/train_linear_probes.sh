#!/usr/bin/env bash
# ImageNet linear probes on frozen conv1..conv5 of a synthssl pretraining checkpoint.
#   bash tools/benchmarks/mmpretrain/train_linear_probes.sh PRETRAIN_CKPT GPUS [train.py args...]
#   LAYERS="conv1 conv5" bash tools/benchmarks/mmpretrain/train_linear_probes.sh ...
# Exports the SynthAlexNet backbone (tools/model_converters/export_pretrained.py --format
# backbone) once, then trains one probe per layer in LAYERS (default: conv1 ... conv5) with
# tools/dist_train.sh on configs/benchmarks/mmpretrain/synthalexnet_linear-probe_in1k_<layer>.py,
# model.backbone.init_cfg.checkpoint set, in WORK_DIR/<layer> (WORK_DIR defaults to
# work_dirs/benchmarks/linear_probe/<checkpoint name>).
set -euo pipefail
if [ $# -lt 2 ]; then
  echo "usage: $0 PRETRAIN_CKPT GPUS [train.py args...]" >&2; exit 2
fi
PRETRAIN=$1
GPUS=$2
PY_ARGS=("${@:3}")
ROOT="$(cd "$(dirname "$0")/../../.." && pwd)"
NAME="$(basename "${PRETRAIN%.*}")"
WORK_DIR=${WORK_DIR:-work_dirs/benchmarks/linear_probe/$NAME}
LAYERS=${LAYERS:-conv1 conv2 conv3 conv4 conv5}
for LAYER in $LAYERS; do
  if [ ! -f "$ROOT/configs/benchmarks/mmpretrain/synthalexnet_linear-probe_in1k_$LAYER.py" ]; then
    echo "$0: unknown layer '$LAYER' (expected conv1 ... conv5)" >&2; exit 2
  fi
done
mkdir -p "$WORK_DIR"
WEIGHTS="$WORK_DIR/${NAME}_backbone.pth"
PYTHONPATH="$ROOT${PYTHONPATH:+:$PYTHONPATH}" python "$ROOT/tools/model_converters/export_pretrained.py" \
    "$PRETRAIN" "$WEIGHTS" --format backbone
# mmengine merges repeated --cfg-options, so the user's own ones may follow.
CKPT_OPT="model.backbone.init_cfg.checkpoint=$WEIGHTS"
for LAYER in $LAYERS; do
  bash "$ROOT/tools/dist_train.sh" \
      "$ROOT/configs/benchmarks/mmpretrain/synthalexnet_linear-probe_in1k_$LAYER.py" "$GPUS" \
      --work-dir "$WORK_DIR/$LAYER" --cfg-options "$CKPT_OPT" ${PY_ARGS[@]+"${PY_ARGS[@]}"}
done
