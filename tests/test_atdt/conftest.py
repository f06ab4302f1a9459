# Copyright (c) synthssl contributors.
import pytest


@pytest.fixture(scope='session')
def atdt_pair(tmp_path_factory) -> dict:
    """Tiny rendered domains A ('indoor') and B ('warm'), train and val splits."""
    from atdt_helpers import render_pair
    return render_pair(str(tmp_path_factory.mktemp('atdt_pair')))
