# Copyright (c) synthssl contributors.
"""synthssl.utils.malloc: with the tuning, a large tensor made again after being freed reuses
memory the process already has (no page faults once the heap has grown); with glibc's
defaults every one is mapped and faulted in anew. Counted in page faults, not timed, in a
fresh interpreter per case (mallopt is process-wide)."""
import json
import subprocess
import sys

import pytest

from helpers import REPO, tool_env

PROBE = r'''
import json, resource, sys
import torch
from synthssl.utils.launch import prepare_process_env
prepare_process_env()
from synthssl.utils.malloc import tune_malloc
faults = []
for _ in range(16):
    f0 = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    t = torch.empty(16 << 20, dtype=torch.float32)  # 64 MiB, above glibc's mmap threshold
    t.fill_(1.)
    del t
    faults.append(resource.getrusage(resource.RUSAGE_SELF).ru_minflt - f0)
print(json.dumps(dict(tuned=tune_malloc(), again=tune_malloc(), faults=faults)))
'''


def probe(**env: str) -> dict:
    proc = subprocess.run([sys.executable, '-c', PROBE], cwd=REPO, env=tool_env(**env),
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout.strip().splitlines()[-1])


@pytest.mark.skipif(not sys.platform.startswith('linux'), reason='glibc malloc only')
def test_tuned_heap_reuses_freed_tensors():
    out = probe(SYNTHSSL_MALLOC_TUNING='1')
    assert out['tuned'] is True and out['again'] is True
    pages = (64 << 20) // 4096
    # the first allocation is faulted in; after a few rounds freed blocks are reused
    assert out['faults'][0] >= pages // 2
    assert sum(out['faults'][-6:]) < pages // 10, out['faults']


@pytest.mark.skipif(not sys.platform.startswith('linux'), reason='glibc malloc only')
def test_opt_out_keeps_glibc_defaults():
    out = probe(SYNTHSSL_MALLOC_TUNING='0')
    assert out['tuned'] is False
    pages = (64 << 20) // 4096
    # every 64 MiB tensor is a fresh mmap: faulted in each time
    assert all(f >= pages // 2 for f in out['faults']), out['faults']
