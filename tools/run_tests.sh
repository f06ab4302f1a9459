#!/usr/bin/env bash
# The README's test command: set up (or reuse) the environment, then run the test suite.
#   bash tools/run_tests.sh [pytest args...]
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/setup/env.sh"
bash "$SYNTHSSL_ROOT/tools/setup/install.sh"
cd "$SYNTHSSL_ROOT"
exec "$SYNTHSSL_VENV/bin/python" -m pytest tests -q -p no:cacheprovider "$@"
