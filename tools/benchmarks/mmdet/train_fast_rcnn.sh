#!/usr/bin/env bash
# Fine-tune a synthssl pretraining checkpoint as Fast/Faster R-CNN on PASCAL VOC (mmselfsup's
# tools/benchmarks/mmdetection/mim_dist_train_*.sh, for synthssl's launcher):
#   bash tools/benchmarks/mmdet/train_fast_rcnn.sh PRETRAIN_CKPT CONFIG GPUS [train.py args...]
#   bash tools/benchmarks/mmdet/train_fast_rcnn.sh work_dirs/alexnet_3task/iter_134000.pth \
#       configs/benchmarks/mmdet/fast-rcnn_caffe-alexnet_voc07.py 1
# 1. converts PRETRAIN_CKPT into the detector's key layout (backbone.conv1..5, fc6/fc7 as
#    roi_head.bbox_head.shared_fcs.0/1) with tools/model_converters/export_pretrained.py,
#    written to WORK_DIR/pretrain_caffe-alexnet-mmdet.pth (reused when newer than the input);
# 2. runs tools/dist_train.sh CONFIG GPUS --work-dir WORK_DIR --cfg-options load_from=<that>.
# WORK_DIR defaults to work_dirs/benchmarks/mmdet/<config name>/<checkpoint name>; set the
# WORK_DIR environment variable to change it. Extra args go to tools/train.py; a further
# --cfg-options among them is merged with the load_from one (mmengine's DictAction).
set -euo pipefail
if [ $# -lt 3 ]; then
  echo "usage: $0 PRETRAIN_CKPT CONFIG GPUS [train.py args...]" >&2; exit 2
fi
CKPT=$1
CFG=$2
GPUS=$3
shift 3
ROOT="$(cd "$(dirname "$0")/../../.." && pwd)"
for f in "$CKPT" "$CFG"; do
  if [ ! -f "$f" ]; then echo "$0: $f does not exist" >&2; exit 1; fi
done
CFG_NAME=$(basename "$CFG" .py)
CKPT_NAME=$(basename "$CKPT" .pth)
WORK_DIR=${WORK_DIR:-work_dirs/benchmarks/mmdet/$CFG_NAME/$CKPT_NAME}
CONVERTED="$WORK_DIR/pretrain_caffe-alexnet-mmdet.pth"
PYTHON=${PYTHON:-python}
mkdir -p "$WORK_DIR"
if [ ! -f "$CONVERTED" ] || [ "$CKPT" -nt "$CONVERTED" ]; then
  PYTHONPATH="$ROOT:${PYTHONPATH:-}" "$PYTHON" "$ROOT/tools/model_converters/export_pretrained.py" \
    "$CKPT" "$CONVERTED" --format caffe-alexnet-mmdet
fi
exec bash "$ROOT/tools/dist_train.sh" "$CFG" "$GPUS" --work-dir "$WORK_DIR" \
  --cfg-options load_from="$CONVERTED" "$@"
