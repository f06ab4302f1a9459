#!/usr/bin/env bash
# Create (or reuse) the synthssl environment: Python 3.11 venv, pinned torch/torchvision,
# mmcv 2.1.0 compiled from its sdist with its C++ ops, mmengine/mmdet/mmpretrain/mmseg,
# and synthssl itself (editable). Idempotent: a second run with unchanged requirements
# only checks the environment and returns in seconds.
#
# Environment variables:
#   SYNTHSSL_VENV        where the venv lives        (default: ~/.cache/synthssl/venv-py311)
#   SYNTHSSL_WHEELHOUSE  where the built mmcv wheel is kept, reused by every later install
#                        (default: ~/.cache/synthssl/wheels)
#   SYNTHSSL_PYTHON      interpreter used to create the venv (default: python3.11)
#   MMCV_CFLAGS          extra C++ flags for the mmcv build (default: "-O1 -g0": Python's
#                        default "-O3 -g" triples the compile time of mmcv's ops on 2 cores)
#   MAX_JOBS             parallel compile jobs for mmcv (default: number of cores)
#   FORCE_CUDA=1         build mmcv's CUDA ops too (needs nvcc); default CPU ops only
#   SYNTHSSL_NO_EGL=1    install even where headless EGL is missing and cannot be installed
#                        (no root / no apt): the renderer, and the tests that render, then
#                        fail with a message naming the missing library. Default: stop here.
set -euo pipefail

source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
ROOT="$SYNTHSSL_ROOT"
VENV="$SYNTHSSL_VENV"
WHEELHOUSE="$SYNTHSSL_WHEELHOUSE"
PYTHON="${SYNTHSSL_PYTHON:-python3.11}"
MMCV_VERSION=2.1.0
REQ="$ROOT/requirements"

log() { echo "[synthssl install $(date +%H:%M:%S)] $*" >&2; }
die() { echo "[synthssl install] ERROR: $*" >&2; exit 1; }

command -v "$PYTHON" >/dev/null 2>&1 || die "'$PYTHON' not found; synthssl needs Python 3.11 (set SYNTHSSL_PYTHON)."

# Everything that decides the environment's content; a change re-runs the install.
STAMP_VALUE="$(for f in "$REQ"/*.txt "$ROOT"/setup.py "$ROOT"/tools/setup/install.sh; do [ -f "$f" ] && cat "$f"; done | sha256sum | cut -c1-16)"
STAMP="$VENV/.synthssl-stamp"
VPY="$VENV/bin/python"

ensure_editable() {
  # The venv is shared by every checkout on the machine: point synthssl at *this* one.
  local where
  where="$(cd /tmp && "$VPY" -c 'import synthssl, os; print(os.path.dirname(os.path.dirname(os.path.abspath(synthssl.__file__))))' 2>/dev/null || true)"
  if [ "$where" != "$ROOT" ]; then
    log "installing synthssl (editable) from $ROOT"
    "$VPY" -m pip install -q --no-deps --no-build-isolation -e "$ROOT"
  fi
}

if [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$STAMP_VALUE" ] && \
   (cd /tmp && "$VPY" -c 'import mmcv._ext, mmdet, mmpretrain, mmseg' 2>/dev/null); then
  ensure_editable
  log "environment up to date: $VENV"
  exit 0
fi

T0=$(date +%s)
# The renderer (synthssl/render/rasterizer.py: moderngl's standalone context, backend
# 'egl') rasterises through headless EGL, Mesa llvmpipe on a CPU. It loads libEGL.so.1 (GLVND,
# Debian libegl1), which dispatches to Mesa's EGL vendor libEGL_mesa.so.0 (libegl-mesa0),
# the GL entry points from libGL.so.1 (libgl1), and Mesa's software driver swrast_dri.so
# (libgl1-mesa-dri). Install them where they are missing (apt needs root); otherwise stop:
# the renderer is part of the package and its tests must not be skipped or fail later.
EGL_DEBS="libegl1 libegl-mesa0 libgl1 libgl1-mesa-dri"
missing_egl() {  # the first missing piece, loaded as the renderer loads it (dlopen)
  local lib
  for lib in libEGL.so.1 libEGL_mesa.so.0 libGL.so.1; do
    "$PYTHON" -c "import ctypes; ctypes.CDLL('$lib')" 2>/dev/null || { echo "$lib"; return; }
  done
  for lib in /usr/lib/*/dri/swrast_dri.so /usr/lib*/dri/swrast_dri.so; do
    [ -e "$lib" ] && return
  done
  echo "swrast_dri.so"
}
if [ -n "$(missing_egl)" ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    log "installing Mesa's EGL for the renderer ($EGL_DEBS): $(missing_egl) is missing"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $EGL_DEBS >/dev/null \
      || die "apt-get install $EGL_DEBS failed"
    [ -z "$(missing_egl)" ] || die "$(missing_egl) still missing after installing $EGL_DEBS"
  elif [ "${SYNTHSSL_NO_EGL:-0}" = 1 ]; then
    log "WARNING: $(missing_egl) not found (SYNTHSSL_NO_EGL=1): rendering, and the tests that render, will fail"
  else
    die "$(missing_egl) not found: the renderer needs headless EGL. Install the Debian packages $EGL_DEBS (as root: apt-get install -y $EGL_DEBS), or set SYNTHSSL_NO_EGL=1 to install without it."
  fi
fi
if [ ! -x "$VPY" ]; then
  log "creating venv $VENV"
  "$PYTHON" -m venv "$VENV"
fi
PIP=("$VPY" -m pip --disable-pip-version-check)
LOCK=()
[ -f "$REQ/lock.txt" ] && LOCK=(-c "$REQ/lock.txt")

log "build tools"
"${PIP[@]}" install -q -r "$REQ/build.txt" "${LOCK[@]}"
log "torch + torchvision"
"${PIP[@]}" install -q -r "$REQ/torch.txt" -r "$REQ/build.txt" "${LOCK[@]}"
# torch can drag setuptools past 82 (no pkg_resources): the -r build.txt above keeps the pin.
"$VPY" -c 'import pkg_resources' 2>/dev/null || die "setuptools in $VENV lost pkg_resources (need <82)"

mkdir -p "$WHEELHOUSE"
MMCV_WHEEL="$(ls "$WHEELHOUSE"/mmcv-"$MMCV_VERSION"-*.whl 2>/dev/null | head -n1 || true)"
TORCH_TAG="$("$VPY" -c 'import torch; print(torch.__version__)')"
if [ -n "$MMCV_WHEEL" ] && [ -f "$MMCV_WHEEL.torch" ] && [ "$(cat "$MMCV_WHEEL.torch")" != "$TORCH_TAG" ]; then
  log "cached $MMCV_WHEEL was built against torch $(cat "$MMCV_WHEEL.torch"), not $TORCH_TAG: rebuilding"
  rm -f "$MMCV_WHEEL" "$MMCV_WHEEL.torch"; MMCV_WHEEL=""
fi
if [ -z "$MMCV_WHEEL" ]; then
  log "building mmcv $MMCV_VERSION with C++ ops from the sdist (once per machine; progress in $WHEELHOUSE/mmcv-build.log)"
  SRC="$WHEELHOUSE/src"; mkdir -p "$SRC"
  if ! ls "$SRC"/mmcv-"$MMCV_VERSION".tar.gz >/dev/null 2>&1; then
    "${PIP[@]}" download -q --no-deps --no-binary :all: --no-build-isolation "mmcv==$MMCV_VERSION" -d "$SRC"
  fi
  # torch >= 2.14's headers refuse anything below C++20 ("#error C++20 or later compatible
  # compiler is required to use ATen"), and mmcv 2.1.0's setup.py passes a hard-coded
  # -std=c++17 *after* any CFLAGS. Build from an unpacked copy of the sdist whose C++
  # standard flag is raised to C++20 (gcc 12 compiles mmcv's CPU ops with it); nothing
  # installed is modified.
  BUILD_DIR="$WHEELHOUSE/build/mmcv-$MMCV_VERSION"
  rm -rf "$BUILD_DIR"; mkdir -p "$WHEELHOUSE/build"
  tar xzf "$SRC/mmcv-$MMCV_VERSION.tar.gz" -C "$WHEELHOUSE/build"
  STD="$("$VPY" -c "import torch; print('c++20' if torch.__version__ >= (2, 10) else 'c++17')")"
  sed -i "s/-std=c++17/-std=$STD/g; s#/std:c++17#/std:$STD#g" "$BUILD_DIR/setup.py"
  grep -q -- "-std=$STD" "$BUILD_DIR/setup.py" || die "could not set the C++ standard in $BUILD_DIR/setup.py"
  TB=$(date +%s)
  # Appended CFLAGS come after Python's "-O3 -g" on the compiler line, so they win.
  ( cd "$BUILD_DIR" && MMCV_WITH_OPS=1 MAX_JOBS="${MAX_JOBS:-$(nproc)}" CFLAGS="${MMCV_CFLAGS:--O1 -g0}" \
      "${PIP[@]}" wheel -v --no-build-isolation --no-deps . -w "$WHEELHOUSE" \
      >"$WHEELHOUSE/mmcv-build.log" 2>&1 ) &
  BUILD_PID=$!
  while kill -0 "$BUILD_PID" 2>/dev/null; do
    sleep 30
    last=$(grep -o '\[[0-9]*/[0-9]*\]' "$WHEELHOUSE/mmcv-build.log" 2>/dev/null | tail -n1 || true)
    log "  mmcv build: ${last:-preparing} ($(( $(date +%s) - TB ))s)"
  done
  wait "$BUILD_PID" || { tail -n 40 "$WHEELHOUSE/mmcv-build.log" >&2; die "mmcv build failed, see $WHEELHOUSE/mmcv-build.log"; }
  MMCV_WHEEL="$(ls "$WHEELHOUSE"/mmcv-"$MMCV_VERSION"-*.whl | head -n1)"
  echo "$TORCH_TAG" > "$MMCV_WHEEL.torch"
  rm -rf "$WHEELHOUSE/build"
  log "mmcv wheel built in $(( $(date +%s) - TB ))s: $MMCV_WHEEL"
else
  log "reusing mmcv wheel $MMCV_WHEEL"
fi

log "OpenMMLab stack, runtime and test requirements"
"${PIP[@]}" install -q "$MMCV_WHEEL" -r "$REQ/mminstall.txt" -r "$REQ/runtime.txt" -r "$REQ/tests.txt" \
  -r "$REQ/build.txt" -r "$REQ/torch.txt" $( [ -f "$REQ/optional.txt" ] && echo -r "$REQ/optional.txt" ) "${LOCK[@]}"
"${PIP[@]}" install -q --no-deps --no-build-isolation -e "$ROOT"

(cd /tmp && "$VPY" -c 'import mmcv._ext, mmdet, mmpretrain, mmseg, mmseg.models, pkg_resources, synthssl') \
  || die "the environment in $VENV does not import; see the messages above"
# The libraries exist; now a real headless OpenGL 3.3 context through EGL, as the renderer
# makes it (its error names what is missing).
if [ "${SYNTHSSL_NO_EGL:-0}" != 1 ]; then
  (cd /tmp && "$VPY" -c 'from synthssl.render.rasterizer import create_egl_context
ctx = create_egl_context(); ctx.release()') \
    || die "no headless OpenGL context through EGL (see the error above); set SYNTHSSL_NO_EGL=1 to install anyway"
fi
echo "$STAMP_VALUE" > "$STAMP"
log "environment ready in $(( $(date +%s) - T0 ))s: $VENV"
