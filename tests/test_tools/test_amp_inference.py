# Copyright (c) synthssl contributors.
"""``--amp`` on the feature-extraction paths, on the CPU (bfloat16 autocast): tools/test.py,
nn_retrieval.py and the linear probes' feature cache each run, and give what fp32 gives to
bfloat16's precision.

bfloat16 keeps 8 significant bits: one rounding is up to 2**-8 ~ 0.4% relative, and a
network's activations carry a few such roundings (inputs, weights, each layer's output), so
single values differ from fp32 by ~1%, while averages over many pixels or units (metrics,
cosine similarities of ~2k-dimensional features) differ less. The tolerances below are
a few times what was measured (given next to each); each test also checks that bf16 really
ran (the outputs are not bit-identical to fp32)."""
import json
import sys

import pytest
import torch

from helpers import run_tool
from pretrain_helpers import TINY, tiny_alexnet_checkpoint


@pytest.fixture(scope='module')
def tiny(tmp_path_factory):
    return tiny_alexnet_checkpoint(str(tmp_path_factory.mktemp('amp_inference')), seed=1)


def test_tools_test_amp_metrics_match_fp32(tiny, tmp_path):
    metrics = {}
    for amp in (False, True):
        out = str(tmp_path / f'metrics_{amp}.json')
        run_tool([sys.executable, 'tools/test.py', tiny['cfg'], tiny['ckpt'], '--work-dir',
                  str(tmp_path / f'work_{amp}'), '--out', out, '--out-item', 'metrics'] +
                 (['--amp'] if amp else []))
        with open(out) as f:
            metrics[amp] = json.load(f)
    assert set(metrics[True]) == set(metrics[False]) and metrics[False]
    assert metrics[True] != metrics[False]  # bf16 ran
    for k, v in metrics[False].items():
        # pixel-averaged errors: 1% relative, or 0.1 in the metric's unit (degrees,
        # percent of pixels) for those near 0. Measured: normal angles within 0.08%,
        # normal/within_* within 0.034 points (a few pixels crossing a threshold)
        assert metrics[True][k] == pytest.approx(v, rel=0.01, abs=0.1), k


def test_nn_retrieval_amp_similarities_match_fp32(tiny, tmp_path):
    res = {}
    for amp in (False, True):
        js = str(tmp_path / f'nn_{amp}.json')
        run_tool([sys.executable, 'tools/analysis_tools/nn_retrieval.py', tiny['cfg'],
                  tiny['ckpt'], '--image-dir', tiny['paths']['real'], '--img-size', str(TINY),
                  '--query-indices', '0', '1', '2', '--topk', '3', '--out',
                  str(tmp_path / f'nn_{amp}.png'), '--dump-json', js] +
                 (['--amp'] if amp else []))
        with open(js) as f:
            res[amp] = json.load(f)
    assert res[True]['amp'] and not res[False]['amp']
    sim = {amp: torch.tensor(r['checkpoints'][0]['similarities']) for amp, r in res.items()}
    assert not torch.equal(sim[True], sim[False])
    # cosine similarities of L2-normalised conv5 features (2304-d): the per-element bf16
    # errors (~0.5%) largely average out in the dot product; 2e-3 (measured 2.4e-4). The
    # k-th best similarity is compared, as near-ties may swap neighbours
    torch.testing.assert_close(sim[True], sim[False], atol=2e-3, rtol=0)


def test_linear_probe_features_amp_match_fp32():
    from synthssl.evaluation.linear_probe import PROBE_LAYERS, extract_probe_features
    from synthssl.models.backbones import SynthAlexNet
    torch.manual_seed(0)
    layers = ('conv1', 'conv5')
    net = SynthAlexNet(out_indices=tuple(PROBE_LAYERS[n][0] for n in layers), init_cfg=None)
    net.init_weights()
    batches = [(torch.randn(2, 3, TINY, TINY), torch.tensor([0, 1])) for _ in range(2)]
    (f32, y32), (bf, ybf) = (extract_probe_features(net, batches, layers, amp=amp)
                             for amp in (False, True))
    assert torch.equal(y32, ybf)
    for a, b, name in zip(bf, f32, layers):
        assert a.dtype == torch.float32 and a.shape == b.shape, name
        assert not torch.equal(a, b), name
        # per unit: 2% of the layer's largest magnitude (measured: 0.3% conv1, 0.6% conv5,
        # five bf16 layers deep)
        torch.testing.assert_close(a, b, atol=0.02 * float(b.abs().max()), rtol=0,
                                   msg=name)
