# Copyright (c) synthssl contributors.
"""Properties of the AlexNet conversion helpers that the end-to-end export tests
(test_export_pretrained.py) leave open (found by mutation testing,
tools/quality/mutation_test.py): fold_bn's dtypes, defaults and errors, the state-dict
check's messages, and Krähenbühl's rescaling step by step.

The rescaling tests use ``TinyCaffeAlexNet``: CaffeAlexNet's layer names, kernel sizes,
strides, paddings and pools (so a 227x227 image gives the same 6x6 pool5 grid and the
(N, 4096) fc7 the rescaling projects), with a few channels per layer instead of 96..4096,
so that each test runs in well under a second. Expected values are computed here, with
autograd on a forward written out in the test."""
import copy
import math

import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F

from synthssl.models.utils import fold_bn, krahenbuhl_rescale
from synthssl.models.utils.alexnet_conversion import (SYNTH_ALEXNET_SHAPES,
                                                       caffe_alexnet_fc7_preact,
                                                       check_synth_alexnet_state_dict,
                                                       gradient_weight_ratios,
                                                       synth_to_caffe_alexnet)

LAYERS = ('conv1', 'conv2', 'conv3', 'conv4', 'conv5', 'fc6', 'fc7')


# ------------------------------------------------------------------ fold_bn
def bn_stats(n, g, var_scale=1.0):
    return dict(weight=torch.randn(n, generator=g, dtype=torch.float64),
                bias=torch.randn(n, generator=g, dtype=torch.float64),
                running_mean=torch.randn(n, generator=g, dtype=torch.float64),
                running_var=(torch.rand(n, generator=g, dtype=torch.float64) + 0.5) * var_scale)


def folded_by_hand(w, b, bn, eps):
    scale = bn['weight'] / torch.sqrt(bn['running_var'] + eps)
    return (w * scale.view(-1, *([1] * (w.dim() - 1))),
            (b - bn['running_mean']) * scale + bn['bias'])


class TestFoldBN:

    def test_mapping_default_eps_is_1e_5_and_float64_stays_float64(self):
        """For a mapping the BN epsilon defaults to 1e-5 (SynthAlexNet's): with running
        variances of order 1e-5 it matters, and float64 input is folded exactly."""
        g = torch.Generator().manual_seed(0)
        w = torch.randn(4, 3, 2, 2, generator=g, dtype=torch.float64)
        b = torch.randn(4, generator=g, dtype=torch.float64)
        bn = bn_stats(4, g, var_scale=1e-5)
        fw, fb = fold_bn(dict(weight=w, bias=b), bn)
        ew, eb = folded_by_hand(w, b, bn, 1e-5)
        assert fw.dtype == fb.dtype == torch.float64
        assert torch.allclose(fw, ew, rtol=1e-12, atol=0)
        assert torch.allclose(fb, eb, rtol=1e-12, atol=0)

    def test_float32_weights_give_float32_folded_in_float64(self):
        """Computed in float64 and returned in the weight's dtype."""
        g = torch.Generator().manual_seed(1)
        conv = nn.Conv2d(3, 5, 3)
        bn = {k: v.float() for k, v in bn_stats(5, g).items()}
        fw, fb = fold_bn(conv, bn, eps=1e-3)
        assert fw.dtype == fb.dtype == torch.float32
        ew, eb = folded_by_hand(conv.weight.detach().double(), conv.bias.detach().double(),
                                {k: v.double() for k, v in bn.items()}, 1e-3)
        assert torch.equal(fw, ew.float()) and torch.equal(fb, eb.float())

    def test_missing_affine_and_bias_mean_identity(self):
        """No BN weight/bias: γ = 1, β = 0; no conv bias: 0."""
        g = torch.Generator().manual_seed(2)
        w = torch.randn(3, 4, generator=g, dtype=torch.float64)
        bn = bn_stats(3, g)
        fw, fb = fold_bn(dict(weight=w), dict(running_mean=bn['running_mean'],
                                              running_var=bn['running_var']))
        inv = 1 / torch.sqrt(bn['running_var'] + 1e-5)
        assert torch.allclose(fw, w * inv[:, None], rtol=1e-12, atol=0)
        assert torch.allclose(fb, -bn['running_mean'] * inv, rtol=1e-12, atol=0)

    @pytest.mark.parametrize('drop', ['weight', 'running_mean', 'running_var'])
    def test_what_cannot_be_folded_is_named(self, drop):
        g = torch.Generator().manual_seed(3)
        conv = dict(weight=torch.randn(3, 2, generator=g))
        bn = {k: v.float() for k, v in bn_stats(3, g).items()}
        (conv if drop == 'weight' else bn).pop(drop)
        with pytest.raises(ValueError, match=r'^fold_bn: need the conv weight and the BN '
                                             r'running_mean/running_var \(a BN without '
                                             r'tracked statistics cannot be folded\)$'):
            fold_bn(conv, bn)

    def test_channel_mismatch_is_named(self):
        bn = {k: v.float() for k, v in bn_stats(8, torch.Generator().manual_seed(4)).items()}
        with pytest.raises(ValueError, match=r'^fold_bn: BN has \(8,\) channels, the conv 16$'):
            fold_bn(dict(weight=torch.zeros(16, 3)), bn)


# ------------------------------------------------------------------ state-dict check
def synth_state_dict():
    """Every key of a BN SynthAlexNet, with the right conv weight shapes (no memory)."""
    sd = {}
    for name, shape in SYNTH_ALEXNET_SHAPES.items():
        sd[f'{name}.conv.weight'] = torch.zeros(1).expand(shape)
        sd[f'{name}.conv.bias'] = torch.zeros(shape[0])
        for k in ('weight', 'bias', 'running_mean', 'running_var'):
            sd[f'{name}.bn.{k}'] = torch.zeros(shape[0])
    return sd


class TestStateDictCheck:

    def test_complete_state_dict_passes(self):
        check_synth_alexnet_state_dict(synth_state_dict())

    def test_one_missing_key_is_named_alone(self):
        sd = synth_state_dict()
        del sd['conv3.bn.running_var']
        with pytest.raises(KeyError) as err:
            check_synth_alexnet_state_dict(sd)
        assert err.value.args[0] == ('not a BN SynthAlexNet state dict: missing '
                                     'conv3.bn.running_var')

    def test_many_missing_keys_list_the_first_six(self):
        """The message lists six missing keys, in layer order, then '...'."""
        sd = {k: v for k, v in synth_state_dict().items() if not k.startswith('conv1.')}
        sd.pop('conv2.conv.bias')
        with pytest.raises(KeyError) as err:
            check_synth_alexnet_state_dict(sd)
        assert err.value.args[0] == (
            'not a BN SynthAlexNet state dict: missing conv1.conv.weight, conv1.conv.bias, '
            'conv1.bn.weight, conv1.bn.bias, conv1.bn.running_mean, conv1.bn.running_var ...')

    def test_exactly_six_missing_keys_have_no_ellipsis(self):
        sd = {k: v for k, v in synth_state_dict().items() if not k.startswith('conv1.')}
        with pytest.raises(KeyError) as err:
            check_synth_alexnet_state_dict(sd)
        assert not err.value.args[0].endswith('...')

    def test_wrong_shape_names_layer_and_both_shapes(self):
        sd = dict(synth_state_dict(), **{'fc7.conv.weight': torch.zeros(1).expand(4096, 4096)})
        with pytest.raises(ValueError, match=(r'^not a SynthAlexNet: fc7.conv.weight has shape '
                                              r'\(4096, 4096\), expected '
                                              r'\(4096, 4096, 1, 1\)$')):
            check_synth_alexnet_state_dict(sd)


def test_synth_to_caffe_folds_with_the_given_eps_and_prefers_unprefixed_keys():
    """``eps`` is the source network's BN epsilon (it matters with small running
    variances); a state dict with SynthAlexNet's own keys is used as it is, even when some
    other key starts with 'backbone.'."""
    sd = synth_state_dict()
    sd['conv1.bn.running_mean'] = torch.full((96, ), 2.)
    sd['conv1.bn.running_var'] = torch.full((96, ), 1e-4)
    sd['conv1.bn.weight'] = torch.ones(96)
    sd['backbone.data_preprocessor.mean'] = torch.zeros(3)
    out = synth_to_caffe_alexnet(sd, eps=1e-3)
    assert torch.allclose(out['conv1.bias'], torch.full((96, ), -2. / math.sqrt(1e-4 + 1e-3)))
    assert out['fc6.weight'].shape == (4096, 9216)


# ------------------------------------------------------------------ Krähenbühl rescaling
class TinyCaffeAlexNet(nn.Module):
    """CaffeAlexNet's topology with few channels (see the module docstring)."""
    pool_names = {'conv1': 'pool1', 'conv2': 'pool2', 'conv5': 'pool5'}

    def __init__(self, seed=0):
        super().__init__()
        torch.manual_seed(seed)
        self.conv1 = nn.Conv2d(3, 4, 11, stride=4)
        self.conv2 = nn.Conv2d(4, 6, 5, padding=2)
        self.conv3 = nn.Conv2d(6, 6, 3, padding=1)
        self.conv4 = nn.Conv2d(6, 6, 3, padding=1)
        self.conv5 = nn.Conv2d(6, 4, 3, padding=1)
        self.fc6 = nn.Linear(4 * 6 * 6, 16)
        self.fc7 = nn.Linear(16, 4096)
        for name in self.pool_names.values():
            self.add_module(name, nn.MaxPool2d(3, stride=2))
        with torch.no_grad():  # layers of very different gradient/weight ratios
            for i, name in enumerate(LAYERS):
                getattr(self, name).weight.mul_(2.0**(i - 3))


def fc7_by_hand(m, x):
    """CaffeAlexNet up to fc7's pre-activation, written out."""
    x = F.max_pool2d(F.relu(m.conv1(x)), 3, 2)
    x = F.max_pool2d(F.relu(m.conv2(x)), 3, 2)
    x = F.relu(m.conv4(F.relu(m.conv3(x))))
    x = F.max_pool2d(F.relu(m.conv5(x)), 3, 2)
    return m.fc7(F.relu(m.fc6(x.flatten(1))))


def images(n=3, seed=0):
    return torch.randn(n, 3, 227, 227, generator=torch.Generator().manual_seed(seed))


def test_fc7_preact_is_the_caffe_forward_without_the_last_relu():
    m = TinyCaffeAlexNet()
    x = images()
    with torch.no_grad():
        out = caffe_alexnet_fc7_preact(m, x)
        assert torch.allclose(out, fc7_by_hand(m, x), atol=1e-6)
        assert (out < 0).any()  # no ReLU after fc7


def test_gradient_weight_ratios_by_hand():
    """r_k = mean|dL/dW_k| / mean|W_k| for L = sum(R * fc7_preact); requires_grad flags
    are restored (a frozen conv1 stays frozen)."""
    m = TinyCaffeAlexNet()
    m.conv1.weight.requires_grad_(False)
    x = images()
    proj = torch.randn(3, 4096, generator=torch.Generator().manual_seed(1))
    ratios, out = gradient_weight_ratios(m, x, proj)
    ref = copy.deepcopy(m)
    for p in ref.parameters():
        p.requires_grad_(True)
    grads = torch.autograd.grad((fc7_by_hand(ref, x) * proj).sum(),
                                [getattr(ref, n).weight for n in LAYERS])
    assert list(ratios) == list(LAYERS)
    for name, g in zip(LAYERS, grads):
        w = getattr(ref, name).weight.detach()
        assert ratios[name] == pytest.approx((g.abs().mean() / w.abs().mean()).item(),
                                             rel=1e-4), name
    assert not out.requires_grad and torch.allclose(out, fc7_by_hand(m, x).detach(), atol=1e-6)
    assert not m.conv1.weight.requires_grad and m.conv2.weight.requires_grad


def test_all_zero_weights_are_named():
    m = TinyCaffeAlexNet()
    with torch.no_grad():
        m.conv3.weight.zero_()
    with pytest.raises(ValueError, match=r'^krahenbuhl_rescale: conv3 has all-zero weights$'):
        gradient_weight_ratios(m, images(), torch.ones(3, 4096))


def test_images_must_be_227_crops():
    with pytest.raises(ValueError, match=r'^krahenbuhl_rescale: images must be \(N, 3, 227, '
                                         r'227\), got \(2, 3, 224, 224\)$'):
        krahenbuhl_rescale(TinyCaffeAlexNet(), torch.zeros(2, 3, 224, 224))


@pytest.mark.parametrize('training', [True, False])
def test_rescale_scales_weights_and_biases_as_reported(training):
    """Each layer's weight is multiplied by its reported ``weight_scales`` s_k and its bias
    by ``feature_scales`` c_k = s_1 ... s_k; the report's statistics are those of the
    network before and after (ratios measured with independent projections), and the
    model's mode and requires_grad flags are restored."""
    m = TinyCaffeAlexNet().train(training)
    m.fc6.weight.requires_grad_(False)
    before = copy.deepcopy(m)
    x = images(4)
    stats = krahenbuhl_rescale(m, x, iters=4, seed=3)
    assert m.training == training
    assert not m.fc6.weight.requires_grad and m.fc7.weight.requires_grad
    assert 1 <= stats['iterations'] <= 4 and stats['num_images'] == 4
    # the report says which loss and ratio it measured
    assert isinstance(stats['loss'], str) and 'fc7' in stats['loss']
    assert isinstance(stats['ratio'], str) and 'dL/dW' in stats['ratio']
    c = 1.0
    for name in LAYERS:
        s = stats['weight_scales'][name]
        c *= s
        assert stats['feature_scales'][name] == pytest.approx(c, rel=1e-9)
        new, old = getattr(m, name), getattr(before, name)
        assert torch.allclose(new.weight, s * old.weight, rtol=1e-4, atol=0), name
        assert torch.allclose(new.bias, c * old.bias, rtol=1e-4, atol=0), name
    # the statistics of the report, recomputed
    with torch.no_grad():
        std0 = fc7_by_hand(before.eval(), x).std(dim=0, unbiased=False).mean().item()
        std1 = fc7_by_hand(copy.deepcopy(m).eval(), x).std(dim=0, unbiased=False).mean().item()
    assert stats['output_std_before'] == pytest.approx(std0, rel=1e-4)
    assert stats['output_std_after'] == pytest.approx(std1, rel=1e-4)
    for when in ('before', 'after'):
        logs = [math.log(r) for r in stats[when].values()]
        mean = sum(logs) / len(logs)
        spread = math.sqrt(sum((v - mean)**2 for v in logs) / len(logs))  # population std
        assert stats[f'log_spread_{when}'] == pytest.approx(spread, rel=1e-9)
    assert stats['log_spread_after'] < 0.5 * stats['log_spread_before']


def test_first_iteration_uses_the_seeded_projection():
    """'before' is measured with the first N(0, 1) projection of the seeded generator."""
    m = TinyCaffeAlexNet()
    x = images()
    proj = torch.randn((3, 4096), generator=torch.Generator().manual_seed(7))
    expected, _ = gradient_weight_ratios(copy.deepcopy(m), x, proj)
    stats = krahenbuhl_rescale(m, x, iters=1, seed=7)
    for name in LAYERS:
        assert stats['before'][name] == pytest.approx(expected[name], rel=1e-5), name


def test_no_iteration_or_converged_ratios_change_nothing():
    """``iters=0``, or ratios already within ``tol`` of the target: no weight moves."""
    for kwargs in (dict(iters=0), dict(iters=5, tol=1e9)):
        m = TinyCaffeAlexNet()
        before = copy.deepcopy(m.state_dict())
        stats = krahenbuhl_rescale(m, images(), **kwargs)
        assert stats['iterations'] == 0
        assert all(v == 1.0 for v in stats['weight_scales'].values())
        for k, v in m.state_dict().items():
            assert torch.equal(v, before[k]), k


def _target(ratios, output_std):
    """magic_init's target t = geomean(r) * output_std ** (1 / 7)."""
    logs = [math.log(r) for r in ratios.values()]
    return math.exp(sum(logs) / len(logs)) * max(output_std, 1e-12)**(1 / len(logs))


def test_one_step_uses_the_measured_ratios_and_output_std():
    """One iteration: s_k = sqrt(r_k / t) with the ratios of 'before' (the first seeded
    projection) and t = geomean(r) * output_std ** (1/7), here with an fc7 output std
    below 1."""
    m = TinyCaffeAlexNet()
    with torch.no_grad():
        m.fc7.weight.mul_(0.05)
        m.fc7.bias.mul_(0.05)
    stats = krahenbuhl_rescale(m, images(), iters=1, seed=2, tol=0.)
    assert stats['output_std_before'] < 0.5
    t = _target(stats['before'], stats['output_std_before'])
    for name in LAYERS:
        assert stats['weight_scales'][name] == pytest.approx(
            math.sqrt(stats['before'][name] / t), rel=1e-9), name


def test_each_iteration_measures_again_with_a_new_projection():
    """Iteration 2 re-measures the ratios on the rescaled network with the generator's
    second N(0, 1) draw, and uses the new fc7 output std."""
    m = TinyCaffeAlexNet()
    x = images()
    ref = copy.deepcopy(m)
    stats = krahenbuhl_rescale(m, x, iters=2, seed=4, tol=0.)
    assert stats['iterations'] == 2
    gen = torch.Generator().manual_seed(4)
    p1, p2 = torch.randn((3, 4096), generator=gen), torch.randn((3, 4096), generator=gen)
    r1, out1 = gradient_weight_ratios(ref, x, p1)
    std1 = out1.std(dim=0, unbiased=False).mean().item()
    t1, c = _target(r1, std1), 1.0
    s1 = {n: math.sqrt(r1[n] / t1) for n in LAYERS}
    with torch.no_grad():
        for n in LAYERS:
            c *= s1[n]
            getattr(ref, n).weight.mul_(s1[n])
            getattr(ref, n).bias.mul_(c)
        std2 = fc7_by_hand(ref, x).std(dim=0, unbiased=False).mean().item()
    r2, _ = gradient_weight_ratios(ref, x, p2)
    t2 = _target(r2, std2)
    for n in LAYERS:
        assert stats['weight_scales'][n] == pytest.approx(s1[n] * math.sqrt(r2[n] / t2),
                                                          rel=1e-4), n


def test_stops_when_every_log_ratio_is_strictly_within_tol_of_the_target():
    """'Stops early when every |log r_k / log t - 1| < tol': with tol at the initial
    largest deviation nothing stops (strict), just above it the first check stops."""
    m = TinyCaffeAlexNet()
    x = images()
    probe = krahenbuhl_rescale(copy.deepcopy(m), x, iters=1, seed=0, tol=0.)
    logs = torch.tensor(list(probe['before'].values()), dtype=torch.float64).log()
    # t in the function's own float64 operations: at this boundary, _target's Python-float
    # rounding differs from torch's in the last bit on some machines
    target = float(logs.mean().exp()) * max(probe['output_std_before'], 1e-12)**(
        1. / len(logs))
    log_t = torch.tensor(target, dtype=torch.float64).log()
    worst = float((logs / log_t - 1).abs().max())
    assert 0 < worst < 1e3
    assert krahenbuhl_rescale(copy.deepcopy(m), x, iters=2, seed=0,
                              tol=worst)['iterations'] >= 1
    assert krahenbuhl_rescale(copy.deepcopy(m), x, iters=2, seed=0,
                              tol=worst * (1 + 1e-6))['iterations'] == 0


def test_defaults_are_ten_iterations_and_seed_0():
    """magic_init's 10 iterations (tol=0: no early stop) and seed 0."""
    m = TinyCaffeAlexNet()
    x = images(2)
    a = krahenbuhl_rescale(copy.deepcopy(m), x, tol=0.)
    b = krahenbuhl_rescale(copy.deepcopy(m), x, iters=10, seed=0, tol=0.)
    assert a['iterations'] == 10
    assert a['before'] == b['before'] and a['weight_scales'] == b['weight_scales']
