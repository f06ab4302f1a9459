#!/usr/bin/env bash
# Distributed testing on torchrun, single- or multi-node.
#   bash tools/dist_test.sh CONFIG CHECKPOINT GPUS [test.py args...]
set -euo pipefail
if [ $# -lt 3 ]; then
  echo "usage: $0 CONFIG CHECKPOINT GPUS_PER_NODE [test.py args...]" >&2; exit 2
fi
exec bash "$(dirname "$0")/launch/_torchrun.sh" "$3" test.py "$1" "$2" "${@:4}"
