#!/usr/bin/env bash
# The real labelled photographs of the transfer benchmark (tools/benchmarks/renlee_transfer.py),
# all from package registries -- nothing is fetched from a dataset host:
#   * Fashion-MNIST: Debian's dataset-fashion-mnist (70,000 real product photos, MIT), read by
#     mmpretrain's FashionMNIST dataset from DATA/fashion_mnist (the four idx files, unzipped);
#   * NEON tree crowns: the photographs + VOC boxes inside the deepforest wheel (MIT), taken
#     with `pip download --no-deps` (the package is not installed) and tiled into a VOC tree
#     at DATA/neon_trees (tools/dataset_converters/neon_trees_to_voc.py);
#   * the real domain of the adaptation: scikit-image's photos plus those of Debian's
#     opencv-doc and darknet packages and matplotlib's, in DATA/photos
#     (tools/misc/write_builtin_photos.py --with-system).
# Idempotent: what exists is kept.   bash tools/setup/install_real_data.sh [DATA]   (default
# data/real). Needs root for apt-get; on another system install those three Debian packages
# with its package manager, or put the four Fashion-MNIST idx files in DATA/fashion_mnist
# yourself, and pass a deepforest wheel or its extracted deepforest/data folder as
# DEEPFOREST_SRC.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
DATA=${1:-data/real}
PY="$SYNTHSSL_VENV/bin/python"
DEEPFOREST_VERSION=2.1.0
DEBS="dataset-fashion-mnist opencv-doc darknet"
FMNIST_SRC=/usr/share/datasets/fashion-mnist
log() { echo "[synthssl real data $(date +%H:%M:%S)] $*"; }
die() { echo "[synthssl real data] error: $*" >&2; exit 1; }

missing=""
for deb in $DEBS; do
  dpkg -s "$deb" >/dev/null 2>&1 || missing="$missing $deb"
done
if [ -n "$missing" ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    log "apt-get install$missing"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing >/dev/null \
      || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing >/dev/null; } \
      || die "apt-get install$missing failed"
  elif [ ! -f "$DATA/fashion_mnist/t10k-labels-idx1-ubyte" ]; then
    die "the Debian packages$missing are missing and this is not root with apt-get: install them (apt-get install -y$missing), or see the header of $0"
  fi
fi

mkdir -p "$DATA/fashion_mnist"
for f in train-images-idx3-ubyte train-labels-idx1-ubyte t10k-images-idx3-ubyte t10k-labels-idx1-ubyte; do
  if [ ! -f "$DATA/fashion_mnist/$f" ]; then
    [ -f "$FMNIST_SRC/$f.gz" ] || die "$FMNIST_SRC/$f.gz not found (package dataset-fashion-mnist)"
    gzip -dc "$FMNIST_SRC/$f.gz" > "$DATA/fashion_mnist/$f.tmp"
    mv "$DATA/fashion_mnist/$f.tmp" "$DATA/fashion_mnist/$f"
  fi
done
log "Fashion-MNIST in $DATA/fashion_mnist"

if [ ! -f "$DATA/neon_trees/summary.json" ]; then
  SRC=${DEEPFOREST_SRC:-}
  if [ -z "$SRC" ]; then
    CACHE="$HOME/.cache/synthssl/downloads"
    mkdir -p "$CACHE"
    SRC=$(ls "$CACHE"/deepforest-$DEEPFOREST_VERSION-*.whl 2>/dev/null | head -1 || true)
    if [ -z "$SRC" ]; then
      log "pip download --no-deps deepforest==$DEEPFOREST_VERSION"
      "$PY" -m pip download -q --no-deps "deepforest==$DEEPFOREST_VERSION" -d "$CACHE" \
        || die "pip download deepforest==$DEEPFOREST_VERSION failed"
      SRC=$(ls "$CACHE"/deepforest-$DEEPFOREST_VERSION-*.whl | head -1)
    fi
  fi
  "$PY" "$SYNTHSSL_ROOT/tools/dataset_converters/neon_trees_to_voc.py" "$SRC" "$DATA/neon_trees"
fi
log "NEON tree tiles in $DATA/neon_trees: $(cat "$DATA/neon_trees/summary.json" | tr -d '\n ')"

"$PY" "$SYNTHSSL_ROOT/tools/misc/write_builtin_photos.py" "$DATA/photos" --with-system
