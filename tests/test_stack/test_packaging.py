# Copyright (c) synthssl contributors.
"""A plain (non-editable) install of synthssl carries the whole package."""
import subprocess
import sys
import zipfile

from helpers import REPO


def test_plain_wheel_contains_the_package(tmp_path):
    out = subprocess.run(
        [sys.executable, '-m', 'pip', 'wheel', '--no-deps', '--no-build-isolation', '-q',
         '-w', str(tmp_path), REPO], capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stderr[-3000:]
    wheel = next(tmp_path.glob('synthssl-*.whl'))
    names = set(zipfile.ZipFile(wheel).namelist())
    for module in ('synthssl/__init__.py', 'synthssl/registry.py',
                   'synthssl/models/backbones/synth_alexnet.py',
                   'synthssl/render/toy_shapes.py', 'synthssl/utils/launch.py'):
        assert module in names, module
    assert not any(n.startswith(('tests/', 'tools/', 'configs/')) for n in names)
