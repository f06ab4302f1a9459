#!/usr/bin/env bash
# The README's main job: set up (or reuse) the environment, render the built-in data and
# run a short training + evaluation on it. Idempotent; a second run reuses everything.
#   bash tools/quickstart.sh            # QUICKSTART_ITERS=80 by default
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
bash "$SYNTHSSL_ROOT/tools/install.sh"
cd "$SYNTHSSL_ROOT"
PY="$SYNTHSSL_VENV/bin/python"
CONFIG=configs/examples/synthalexnet_toy-shapes_cls.py
WORK_DIR=${WORK_DIR:-work_dirs/quickstart}
ITERS=${QUICKSTART_ITERS:-80}

"$PY" tools/misc/render_toy_shapes.py data/toy_shapes --num-train 256 --num-val 64
"$PY" tools/train.py "$CONFIG" --work-dir "$WORK_DIR" \
  --cfg-options train_cfg.max_iters="$ITERS" train_cfg.val_interval="$ITERS" \
  default_hooks.checkpoint.interval="$ITERS"
"$PY" tools/test.py "$CONFIG" "$WORK_DIR/iter_$ITERS.pth" --work-dir "$WORK_DIR"
echo "[quickstart] done: checkpoint $WORK_DIR/iter_$ITERS.pth, logs in $WORK_DIR"
