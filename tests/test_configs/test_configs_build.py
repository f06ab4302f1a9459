# Copyright (c) synthssl contributors.
"""Every shipped config parses and its model builds in the config's own scope."""
import glob
import os.path as osp

import pytest
from mmengine.config import Config
from mmengine.registry import MODELS, DefaultScope, init_default_scope

from helpers import REPO

CONFIGS = sorted(
    p for p in glob.glob(osp.join(REPO, 'configs', '**', '*.py'), recursive=True)
    if f'{osp.sep}_base_{osp.sep}' not in p)


def test_there_are_configs():
    assert CONFIGS


@pytest.mark.parametrize('path', CONFIGS, ids=[osp.relpath(p, REPO) for p in CONFIGS])
def test_config_builds(path):
    cfg = Config.fromfile(path)
    scope = cfg.get('default_scope', 'synthssl')
    init_default_scope(scope)
    with DefaultScope.overwrite_default_scope(scope):
        model = MODELS.build(cfg.model)
    assert sum(p.numel() for p in model.parameters()) > 0



#: what the runtime decides (default_runtime.py, overridden in a config's own body)
RUNTIME_KEYS = {'default_scope', 'custom_imports', 'default_hooks', 'custom_hooks', 'env_cfg',
                'vis_backends', 'visualizer', 'log_processor', 'log_level', 'load_from',
                'resume', 'randomness'}


@pytest.mark.parametrize('concern', ['datasets', 'models', 'schedules'])
def test_bases_keep_to_their_concern(concern):
    """One file per concern, as in mmpretrain's _base_/: no base but default_runtime.py sets
    the runtime (a schedule does not inherit it), a dataset base builds no network, a
    schedule no dataloader, a model base no data."""
    paths = sorted(glob.glob(osp.join(REPO, 'configs', '_base_', concern, '*.py')))
    assert paths
    for path in paths:
        keys = set(Config.fromfile(path).keys())
        name = osp.relpath(path, REPO)
        assert not RUNTIME_KEYS & keys, name
        if concern == 'datasets':
            assert 'model' not in keys and not [k for k in keys if k.endswith('_net')], name
        else:
            assert not [k for k in keys if k.endswith(('_dataloader', '_pipeline'))], name
