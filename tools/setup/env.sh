# Sourced by tools/setup/install.sh, tools/quickstart.sh and tools/run_tests.sh: where the
# environment and the mmcv wheel live. Both are outside the checkout, so every clone on a
# machine (and CI) reuses them; override to keep several environments apart.
SYNTHSSL_VENV="${SYNTHSSL_VENV:-$HOME/.cache/synthssl/venv-py311}"
SYNTHSSL_WHEELHOUSE="${SYNTHSSL_WHEELHOUSE:-$HOME/.cache/synthssl/wheels}"
SYNTHSSL_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
# OpenMP threads sleep instead of spinning while waiting: on 2 cores spinning made a
# two-thread elementwise op ~27x slower.
export OMP_WAIT_POLICY="${OMP_WAIT_POLICY:-PASSIVE}"
export SYNTHSSL_VENV SYNTHSSL_WHEELHOUSE SYNTHSSL_ROOT
