# Copyright (c) synthssl contributors.
"""The pinned OpenMMLab stack really works here: compiled mmcv ops, version asserts,
pkg_resources-based config inheritance."""
import importlib.metadata as md
import os.path as osp
import re

import pytest
import torch
from mmengine.config import Config

from helpers import REPO


def _requirements(path):
    """(name, exact version or None) of each line of a requirements file."""
    out = []
    with open(path) as f:
        for line in f:
            line = line.split('#', 1)[0].strip()
            if line and not line.startswith('-'):
                name = re.split(r'[<>=!~;\[ ]', line, 1)[0]
                pin = re.search(r'==\s*([^\s;,]+)', line)
                out.append((name, pin.group(1) if pin else None))
    return out


def _canon(name):
    return re.sub(r'[-_.]+', '-', name).lower()


def test_every_requirement_is_installed_at_its_locked_version():
    """What tools/setup/install.sh installs (the README's set-up) is all here, at the lock's
    versions: a missing test requirement (e.g. cityscapesscripts) fails here, and the tests
    that use it fail too instead of skipping."""
    lock = {}
    with open(osp.join(REPO, 'requirements', 'lock.txt')) as f:
        for line in f:
            line = line.split('#', 1)[0].strip()
            if line:
                name, version = line.split('==')
                lock[_canon(name)] = version
    for txt in ('runtime', 'tests', 'mminstall', 'build', 'torch'):
        for name, pin in _requirements(osp.join(REPO, 'requirements', f'{txt}.txt')):
            # lock.txt pins all but pip's own tools (setuptools, wheel: pinned in build.txt)
            want = lock.get(_canon(name), pin)
            assert want, f'{txt}.txt: {name} is pinned neither there nor in lock.txt'
            assert md.version(name) == want, (txt, name)


def test_mmcv_is_2_1_with_compiled_ops():
    import mmcv
    from mmcv import ops
    assert mmcv.__version__ == '2.1.0'  # mmdet 3.3 / mmseg 1.2 assert mmcv < 2.2.0
    import mmcv._ext  # noqa: F401  (fails for mmcv-lite or an editable build without ops)
    boxes = torch.tensor([[0., 0., 10., 10.], [1., 1., 11., 11.], [50., 50., 60., 60.]])
    scores = torch.tensor([0.9, 0.8, 0.7])
    dets, keep = ops.nms(boxes, scores, iou_threshold=0.5)
    assert keep.tolist() == [0, 2]
    feat = torch.arange(16.).view(1, 1, 4, 4)
    rois = torch.tensor([[0., 0., 0., 4., 4.]])
    out = ops.roi_align(feat, rois, (2, 2), 1.0, 2, 'avg', True)
    assert out.shape == (1, 1, 2, 2)
    # aligned=True shifts the RoI by -0.5: bins of 2x2 px, 2x2 samples each at integer
    # positions, e.g. bin (0, 0) averages feat[0:2, 0:2] = (0 + 1 + 4 + 5) / 4.
    torch.testing.assert_close(out.flatten(), torch.tensor([2.5, 4.5, 10.5, 12.5]))
    from torchvision.ops import roi_align as tv_roi_align
    torch.testing.assert_close(out, tv_roi_align(feat, rois, (2, 2), 1.0, 2, True))


def test_downstream_packages_import_with_this_mmcv():
    import mmdet
    import mmpretrain
    import mmseg
    assert (mmdet.__version__, mmpretrain.__version__, mmseg.__version__) == \
        ('3.3.0', '1.2.0', '1.2.2')


def test_setuptools_still_ships_pkg_resources():
    """mmengine 0.10.7 resolves `mmdet::`/`mmpretrain::` bases through pkg_resources, which
    setuptools 82 removed: the pin keeps it."""
    major = int(md.version('setuptools').split('.')[0])
    assert major < 82
    import pkg_resources  # noqa: F401


@pytest.mark.parametrize('base', ['mmdet::fast_rcnn/fast-rcnn_r50_fpn_1x_coco.py',
                                  'mmpretrain::_base_/default_runtime.py',
                                  'mmseg::_base_/default_runtime.py'])
def test_external_base_configs_resolve(base, tmp_path):
    cfg_file = tmp_path / 'child.py'
    cfg_file.write_text(f"_base_ = '{base}'\nextra = 1\n")
    cfg = Config.fromfile(str(cfg_file))
    assert cfg.extra == 1 and cfg.default_scope == base.split('::')[0]


def test_shipped_demo_config_inherits_from_mmpretrain():
    cfg = Config.fromfile(osp.join(REPO, 'configs', 'examples', 'synthalexnet_toy-shapes_cls.py'))
    assert cfg.default_scope == 'mmpretrain'
    assert cfg.model.backbone.type == 'synthssl.SynthAlexNet'
