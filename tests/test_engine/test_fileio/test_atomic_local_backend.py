# Copyright (c) synthssl contributors.
import os

import pytest
from mmengine.fileio import get_file_backend

from synthssl.engine import AtomicLocalBackend


def test_registered_and_writes_whole_files(tmp_path):
    backend = get_file_backend(str(tmp_path), backend_args=dict(backend='local_atomic'))
    assert isinstance(backend, AtomicLocalBackend)
    target = tmp_path / 'sub' / 'iter_2.pth'
    backend.put(b'x' * 1000, str(target))
    assert target.read_bytes() == b'x' * 1000
    backend.put_text('hello', str(tmp_path / 'a.txt'))
    assert (tmp_path / 'a.txt').read_text() == 'hello'
    assert not [f for f in os.listdir(target.parent) if f.endswith('.tmp')]


def test_a_failed_write_leaves_the_old_file_and_no_temp(tmp_path):
    backend = AtomicLocalBackend()
    target = tmp_path / 'ckpt.pth'
    backend.put(b'old', str(target))

    with pytest.raises(TypeError):
        backend.put(object(), str(target))  # fails mid-write
    assert target.read_bytes() == b'old'
    assert os.listdir(tmp_path) == ['ckpt.pth']
