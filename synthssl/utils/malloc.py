# Copyright (c) synthssl contributors.
"""Keep freed memory in glibc's heap, so that a training step's large tensors are not
page-faulted in again at every step.

PyTorch's CPU allocator has no cache: every tensor is a ``malloc``/``free``. glibc serves a
block above its mmap threshold (128 KiB, rising to at most 32 MiB) with a fresh ``mmap`` and
unmaps it on ``free``, so a 150 MB tensor (fc6's weight gradient, its bfloat16 cast under
autocast) costs ~37,000 page faults each time it is made: measured on one thread, a
(4096, 9216) float32 -> bfloat16 cast takes 37 ms into new memory and 6 ms into reused memory,
and alexnet_3task's training step (batch 8, 99², one thread) ran 1.41-1.45x faster in both
precisions with the settings below, at +6 % (float32) / +10 % (bfloat16) peak RSS
(``tools/benchmarks/pretrain_throughput.py`` measures it: ``malloc_tuning_speedup``). This is
what jemalloc or tcmalloc, preloaded, would also give; here it needs no preload and no extra
package.

Performance only: where the memory comes from changes no result. The cost is memory: what the
process frees is kept for reuse instead of being returned to the system, so the resident size
stays at its peak, and the first few steps grow the heap before freed blocks coalesce into
reusable ones (a 64 MiB tensor made and freed 28 times: faults on the first 6, none after,
915 vs 523 MB resident). ``SYNTHSSL_MALLOC_TUNING=0`` leaves glibc's defaults.
"""
import ctypes
import ctypes.util
import os
from typing import Optional

#: glibc's ``mallopt`` parameters (malloc.h)
M_TRIM_THRESHOLD = -1
M_MMAP_THRESHOLD = -3
#: blocks up to 1 GiB come from the heap (a set threshold also stops glibc's sliding one,
#: which ends at 32 MiB); ``mallopt``'s return value says whether glibc took it
MMAP_THRESHOLD = 1 << 30
#: never give the top of the heap back (``int`` max: the parameter is an ``int``)
TRIM_THRESHOLD = (1 << 31) - 1

_applied: Optional[bool] = None


def tune_malloc() -> bool:
    """Raise glibc's mmap and trim thresholds for this process (once; later calls return the
    first result). Returns True when glibc accepted both, False where the C library is not
    glibc, ``mallopt`` refused, or ``SYNTHSSL_MALLOC_TUNING=0``."""
    global _applied
    if _applied is not None:
        return _applied
    _applied = False
    if os.environ.get('SYNTHSSL_MALLOC_TUNING', '1') == '0':
        return _applied
    try:
        libc = ctypes.CDLL(ctypes.util.find_library('c') or 'libc.so.6')
        libc.gnu_get_libc_version  # glibc only: musl's mallopt does nothing
        mallopt = libc.mallopt
    except (OSError, AttributeError):
        return _applied
    mallopt.argtypes, mallopt.restype = [ctypes.c_int, ctypes.c_int], ctypes.c_int
    _applied = bool(mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD)) and \
        bool(mallopt(M_TRIM_THRESHOLD, TRIM_THRESHOLD))
    return _applied
