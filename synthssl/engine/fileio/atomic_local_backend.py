# Copyright (c) synthssl contributors.
"""A local file backend whose writes are atomic, so a killed job never leaves a corrupt
checkpoint behind."""
import os
import os.path as osp
import tempfile
from pathlib import Path
from typing import Union

from mmengine.fileio import LocalBackend, register_backend


class AtomicLocalBackend(LocalBackend):
    """:class:`mmengine.fileio.LocalBackend` writing to a temporary file in the target
    folder, flushing it to disk and renaming it over the target (``os.replace``).

    mmengine's ``CheckpointHook`` writes ``iter_N.pth`` in place: a job killed (pre-emption,
    OOM, Ctrl-C) while saving leaves a truncated file under the final name, which
    ``--resume`` then fails to read. With this backend a checkpoint file either exists
    complete or not at all. Registered as ``'local_atomic'``; synthssl's configs select it
    with ``default_hooks.checkpoint.backend_args=dict(backend='local_atomic')``.
    """

    def put(self, obj: bytes, filepath: Union[str, Path]) -> None:
        """Write ``obj`` to ``filepath`` atomically (the folder is created if needed)."""
        filepath = str(filepath)
        folder = osp.dirname(osp.abspath(filepath))
        os.makedirs(folder, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f'.{osp.basename(filepath)}.', suffix='.tmp',
                                   dir=folder)
        try:
            with os.fdopen(fd, 'wb') as f:
                f.write(obj)
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, filepath)
        except BaseException:
            if osp.exists(tmp):
                os.remove(tmp)
            raise

    def put_text(self, obj: str, filepath: Union[str, Path], encoding: str = 'utf-8') -> None:
        """Write text atomically."""
        self.put(obj.encode(encoding), filepath)


register_backend('local_atomic', AtomicLocalBackend, force=True)
