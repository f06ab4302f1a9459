#!/usr/bin/env bash
# VOC2007 classification fine-tuning of a synthssl pretraining checkpoint (mmselfsup style).
#   bash tools/benchmarks/mmpretrain/train_voc07_cls.sh PRETRAIN_CKPT GPUS [train.py args...]
# Converts PRETRAIN_CKPT into a rescaled CaffeAlexNet (tools/model_converters/
# export_pretrained.py --format caffe-alexnet; EXPORT_ARGS adds options, e.g.
# "--rescale-images data/VOCdevkit/VOC2007/JPEGImages") in the work dir, then runs
# tools/dist_train.sh on configs/benchmarks/mmpretrain/caffe-alexnet_voc07-cls-ft.py with
# model.backbone.init_cfg.checkpoint set. WORK_DIR defaults to
# work_dirs/benchmarks/voc07_cls/<checkpoint name>; PORT etc. as in tools/dist_train.sh.
set -euo pipefail
if [ $# -lt 2 ]; then
  echo "usage: $0 PRETRAIN_CKPT GPUS [train.py args...]" >&2; exit 2
fi
PRETRAIN=$1
GPUS=$2
PY_ARGS=("${@:3}")
ROOT="$(cd "$(dirname "$0")/../../.." && pwd)"
CFG="$ROOT/configs/benchmarks/mmpretrain/caffe-alexnet_voc07-cls-ft.py"
NAME="$(basename "${PRETRAIN%.*}")"
WORK_DIR=${WORK_DIR:-work_dirs/benchmarks/voc07_cls/$NAME}
mkdir -p "$WORK_DIR"
WEIGHTS="$WORK_DIR/${NAME}_caffe-alexnet.pth"
PYTHONPATH="$ROOT${PYTHONPATH:+:$PYTHONPATH}" python "$ROOT/tools/model_converters/export_pretrained.py" \
    "$PRETRAIN" "$WEIGHTS" --format caffe-alexnet ${EXPORT_ARGS:-}
# mmengine merges repeated --cfg-options, so the user's own ones may follow.
CKPT_OPT="model.backbone.init_cfg.checkpoint=$WEIGHTS"
bash "$ROOT/tools/dist_train.sh" "$CFG" "$GPUS" --work-dir "$WORK_DIR" --cfg-options "$CKPT_OPT" ${PY_ARGS[@]+"${PY_ARGS[@]}"}
