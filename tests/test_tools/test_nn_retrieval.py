# Copyright (c) synthssl contributors.
"""tools/analysis_tools/nn_retrieval.py (Ren & Lee, Fig. 3) and the backbone feature access
it shares with the other analysis tools (synthssl.utils.analysis)."""
import json
import os
import os.path as osp
import sys

import cv2
import numpy as np
import pytest
import torch

from helpers import REPO, TINY_CLS_CFG, data_root_options, run_tool, tool_fails
from pretrain_helpers import TINY, tiny_alexnet_checkpoint

TOOL = 'tools/analysis_tools/nn_retrieval.py'


@pytest.fixture(scope='module')
def tiny(tmp_path_factory):
    """Tiny renders + photos, alexnet_3task shrunk to 67x67, and a checkpoint (a seeded
    initialisation saved as a runner checkpoint, different from ``random``'s seed 0)."""
    return tiny_alexnet_checkpoint(str(tmp_path_factory.mktemp('nn_retrieval')), seed=1)


def grid_shape(queries, groups, k, thumb=96, pad=2, head=16):
    cols = groups * (k + 1)
    return (head + pad + queries * (thumb + pad), pad + cols * (thumb + pad), 3)


def photos(root):
    files = sorted(f for f in os.listdir(root) if f.endswith('.png'))
    assert len(files) >= 10
    return [osp.join(root, f) for f in files]


def test_retrieves_itself_first_and_matches_brute_force(tiny, tmp_path):
    out, js = str(tmp_path / 'nn.png'), str(tmp_path / 'nn.json')
    real = tiny['paths']['real']
    proc = run_tool([sys.executable, TOOL, tiny['cfg'], tiny['ckpt'], '--image-dir', real,
                     '--img-size', str(TINY), '--keep-self', '--query-indices', '0', '3',
                     '--topk', '3', '--out', out, '--dump-json', js])
    assert '2 queries x 1 checkpoints x (query + 3 neighbours)' in proc.stdout
    assert cv2.imread(out).shape == grid_shape(2, 1, 3)
    res = json.load(open(js))
    files = photos(real)
    assert res['num_images'] == len(files) and res['layer'] == 'conv5'
    assert [q['path'] for q in res['queries']] == [files[0], files[3]]
    (ck, ) = res['checkpoints']
    # conv5 of a 67x67 input: 256 x 3 x 3
    assert ck['dim'] == 256 * 3 * 3
    for row, q in enumerate((0, 3)):
        assert ck['neighbours'][row][0] == q
        assert ck['similarities'][row][0] == pytest.approx(1.0, abs=1e-5)
        assert ck['similarities'][row][1] < 1 - 1e-4
    # independently: cv2 resize, the authors' normalisation, conv5, cosine, argsort
    imgs = np.stack([cv2.resize(cv2.imread(f), (TINY, TINY), interpolation=cv2.INTER_LINEAR)
                     for f in files])
    rgb = torch.from_numpy(imgs[..., ::-1].astype(np.float32)).permute(0, 3, 1, 2)
    x = (rgb - torch.tensor([123.675, 116.28, 103.53]).view(1, 3, 1, 1)) / 255.
    with torch.no_grad():
        f = tiny['model'].backbone(x, out_indices=('conv5', ))[0].flatten(1)
    f = torch.nn.functional.normalize(f, dim=1)
    for row, q in enumerate((0, 3)):
        sim = (f @ f[q]).numpy()
        order = np.argsort(-sim, kind='stable')[:3]
        assert ck['neighbours'][row] == order.tolist()
        np.testing.assert_allclose(ck['similarities'][row], sim[order], atol=1e-4)


def test_two_checkpoints_side_by_side_on_the_test_set(tiny, tmp_path):
    out, js = str(tmp_path / 'nn.png'), str(tmp_path / 'nn.json')
    # the test set has 2 views: without self-matches each one's neighbour is the other
    run_tool([sys.executable, TOOL, tiny['cfg'], 'random', tiny['ckpt'],
              '--names', 'random', 'trained', '--query-indices', '0', '1', '--topk', '1',
              '--pool', 'avg', '--out', out, '--dump-json', js])
    assert cv2.imread(out).shape == grid_shape(2, 2, 1)
    res = json.load(open(js))
    assert res['num_images'] == 2 and res['pool'] == 'avg'
    assert [c['name'] for c in res['checkpoints']] == ['random', 'trained']
    assert [c['checkpoint'] for c in res['checkpoints']] == ['random', tiny['ckpt']]
    for c in res['checkpoints']:
        assert c['dim'] == 256 and c['neighbours'] == [[1], [0]]
        # cosine similarity is symmetric
        assert c['similarities'][0][0] == pytest.approx(c['similarities'][1][0], abs=1e-6)
    # two different networks give two different similarities
    assert res['checkpoints'][0]['similarities'] != res['checkpoints'][1]['similarities']


def test_mmpretrain_classifier_backbone_with_layer_index(toy_shapes_root, tmp_path):
    out, js = str(tmp_path / 'nn.png'), str(tmp_path / 'nn.json')
    run_tool([sys.executable, TOOL, TINY_CLS_CFG, 'random', '--layer', '0',
              '--num-queries', '2', '--topk', '2', '--thumb', '32', '--out', out,
              '--dump-json', js, '--cfg-options'] + data_root_options(toy_shapes_root))
    assert cv2.imread(out).shape == grid_shape(2, 1, 2, thumb=32)
    res = json.load(open(js))
    # layer 0 of SynthAlexNet = conv1: 96 x 7 x 7 for a 35x35 input
    assert res['checkpoints'][0]['dim'] == 96 * 7 * 7
    assert len({q['index'] for q in res['queries']}) == 2
    for q, row in zip(res['queries'], res['checkpoints'][0]['neighbours']):
        assert q['index'] not in row  # no self-matches by default


def load_tool():
    """The tool as a module (its main() reads sys.argv), for in-process error checks."""
    import importlib.util
    spec = importlib.util.spec_from_file_location('nn_retrieval', osp.join(REPO, TOOL))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_bad_input_is_named(tiny, tmp_path, monkeypatch):
    def fails(*extra):
        return tool_fails([sys.executable, TOOL, tiny['cfg'], *extra, '--out',
                           str(tmp_path / 'x.png')])
    # the missing one is found before any feature is extracted for 'random'
    assert "checkpoint 'nope': " + str(tmp_path / 'nope.pth') + ' does not exist' in fails(
        'random', str(tmp_path / 'nope.pth'))
    assert "layer 'conv9' is not an output of SynthAlexNet" in fails(
        'random', '--layer', 'conv9', '--topk', '1')
    tool = load_tool()
    for extra, message in (
            (['--topk', '2'], r'--topk 2: the image set \(.*tiny.py: test set\) has only 2'),
            (['--topk', '1', '--query-indices', '7'], r'--query-indices \[7\]: out of range'),
            (['--topk', '1', '--num-queries', '3'], r'--num-queries 3: the image set'),
            (['random', '--names', 'a'], '--names: 1 names for 2 checkpoints')):
        monkeypatch.setattr(sys, 'argv', [TOOL, tiny['cfg'], 'random', *extra, '--out',
                                          str(tmp_path / 'x.png')])
        with pytest.raises(ValueError, match=message):
            tool.main()


def test_backbone_features_of_any_backbone():
    from mmpretrain.models import ResNet
    from synthssl.utils.analysis import backbone_features, parse_layer
    torch.manual_seed(0)
    net = ResNet(depth=18, out_indices=(1, 3))
    net.eval()
    x = torch.randn(2, 3, 64, 64)
    with torch.no_grad():
        by_name = backbone_features(net, x, 'layer2')
        by_index = backbone_features(net, x, parse_layer('0'))
        last = backbone_features(net, x, parse_layer('-1'))
    assert by_name.shape == (2, 128, 8, 8) and torch.equal(by_name, by_index)
    assert last.shape == (2, 512, 2, 2)
    with pytest.raises(ValueError, match="layer 'layer9' is not an output of ResNet"):
        backbone_features(net, x, 'layer9')
    with pytest.raises(ValueError, match='layer 2 is not an output of ResNet: it returns 2'):
        backbone_features(net, x, 2)


def test_checkpoint_kinds(tiny, tmp_path):
    from synthssl.utils.analysis import build_model, checkpoint_names, load_config, load_weights
    cfg = load_config(tiny['cfg'])
    model = build_model(cfg, 'random')  # seed 0: differs from the fixture's seed-1 weights
    trained = tiny['model'].backbone.conv1.conv.weight
    assert not torch.equal(model.backbone.conv1.conv.weight, trained)
    # a backbone-only export (export_pretrained.py --format backbone) goes to model.backbone
    path = str(tmp_path / 'backbone.pth')
    torch.save(dict(state_dict=tiny['model'].backbone.state_dict()), path)
    assert load_weights(model, path) == 'backbone'
    assert torch.equal(model.backbone.conv1.conv.weight, trained)
    assert load_weights(model, tiny['ckpt']) == 'model'
    bad = str(tmp_path / 'other.pth')
    torch.save(dict(state_dict={'fc.weight': torch.zeros(2, 2)}), bad)
    with pytest.raises(ValueError, match=f'checkpoint {bad}: none of its 1 tensors'):
        load_weights(model, bad)
    assert checkpoint_names(['none', 'a/x.pth', 'b/y.pth']) == ['random', 'x', 'y']
    assert checkpoint_names(['a/x.pth', 'b/x.pth']) == ['a/x', 'b/x']


def test_find_backbone_and_global_pool():
    """The feature extractor of a CSG-like model (``model.backbone``, or ``teacher`` by
    path), and GAP / GMP of its features."""
    from synthssl.utils.analysis import find_backbone, get_backbone, global_pool
    student, teacher = torch.nn.Conv2d(3, 2, 1), torch.nn.Conv2d(3, 2, 1)
    csg = torch.nn.Module()
    csg.model = torch.nn.Module()
    csg.model.backbone, csg.teacher = student, teacher
    assert find_backbone(csg) == ('model.backbone', student) and get_backbone(csg) is student
    assert find_backbone(csg, 'teacher') == ('teacher', teacher)
    with pytest.raises(AttributeError, match='Module has no backbone or model.backbone'):
        find_backbone(torch.nn.Module())
    with pytest.raises(AttributeError, match='has no student module'):
        find_backbone(csg, 'student')
    f = torch.arange(2 * 3 * 2 * 2, dtype=torch.float32).reshape(2, 3, 2, 2)
    assert torch.equal(global_pool(f, 'avg')[1], torch.tensor([13.5, 17.5, 21.5]))
    assert torch.equal(global_pool(f, 'max')[0], torch.tensor([3., 7., 11.]))
    assert global_pool(f, 'none') is f and global_pool(f[:, :, 0, 0]).shape == (2, 3)
