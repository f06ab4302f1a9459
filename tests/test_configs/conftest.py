# Copyright (c) synthssl contributors.
import pytest


@pytest.fixture(scope='session')
def csg_render_roots(tmp_path_factory) -> dict:
    """Two tiny rendered sets: 'indoor' (2 views, train) and 'warm' (1 view, val), 64x64."""
    from synthssl.render import render_dataset
    from synthssl.render.scene import SceneConfig
    root = tmp_path_factory.mktemp('csg_render')
    roots = dict(train=str(root / 'indoor_train'), val=str(root / 'warm_val'))
    render_dataset(roots['train'], num_scenes=1, views_per_scene=2, width=64, height=64,
                   seed=0, workers=1, progress=False)
    render_dataset(roots['val'], num_scenes=1, views_per_scene=1, width=64, height=64,
                   seed=1, workers=1, progress=False, scene_cfg=SceneConfig(style='warm'))
    return roots
