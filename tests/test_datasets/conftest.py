# Copyright (c) synthssl contributors.
"""Fixtures: tiny datasets in the three synthetic layouts, written into tmp_path per test."""
from typing import Dict

import pytest
from datasets_testdata import write_pbrs, write_scenenet, write_synthetic


@pytest.fixture
def syn_root(tmp_path) -> Dict:
    return write_synthetic(str(tmp_path / 'syn'))


@pytest.fixture
def scenenet_root(tmp_path) -> Dict:
    return write_scenenet(str(tmp_path / 'scenenet'))


@pytest.fixture
def pbrs_root(tmp_path) -> Dict:
    return write_pbrs(str(tmp_path / 'pbrs'))
