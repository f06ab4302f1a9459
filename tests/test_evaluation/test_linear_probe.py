# Copyright (c) synthssl contributors.
"""Linear probes on cached features: the Zhang et al. resize of each layer, the probe's
accuracy on separable vs. random data, and bad input."""
import pytest
import torch
import torch.nn as nn

from synthssl.evaluation.linear_probe import (PROBE_LAYERS, extract_probe_features,
                                              fit_linear_probe)


class _TwoMaps(nn.Module):
    def forward(self, x):  # (N, 3, H, W) -> conv1-like and conv5-like maps
        n = x.shape[0]
        return (x.mean(1, keepdim=True).expand(n, 96, -1, -1) * 1.0,
                x[:, :1, ::4, ::4].expand(n, 256, -1, -1) * 2.0)


def test_extract_probe_features_resizes_each_layer_to_its_grid():
    batches = [(torch.randn(4, 3, 20, 20), torch.arange(4)),
               (torch.randn(2, 3, 20, 20), torch.tensor([7, 8]))]
    feats, labels = extract_probe_features(_TwoMaps(), batches, ['conv1', 'conv5'])
    assert [f.shape for f in feats] == [(6, 96 * 10 * 10), (6, 256 * 6 * 6)]
    assert labels.tolist() == [0, 1, 2, 3, 7, 8]
    assert PROBE_LAYERS['conv3'] == (2, 384, 5)
    with pytest.raises(ValueError, match='returned 2 maps for 3 layers'):
        extract_probe_features(_TwoMaps(), batches, ['conv1', 'conv2', 'conv5'])


def test_probe_separates_linearly_separable_classes_and_not_noise():
    g = torch.Generator().manual_seed(0)
    centers = torch.randn(4, 32, generator=g) * 3
    y = torch.arange(400) % 4
    x = centers[y] + torch.randn(400, 32, generator=g)
    good = fit_linear_probe(x[:300], y[:300], x[300:], y[300:], num_classes=4, epochs=6)
    assert good['top1'] > 95.0, good
    noise = torch.randn(400, 32, generator=g)
    bad = fit_linear_probe(noise[:300], y[:300], noise[300:], y[300:], num_classes=4,
                           epochs=6)
    assert bad['top1'] < 45.0, bad  # chance is 25 %


def test_probe_rejects_bad_features():
    x, y = torch.randn(10, 4), torch.zeros(10, dtype=torch.long)
    with pytest.raises(ValueError, match='NaN or Inf'):
        fit_linear_probe(x.clone().fill_(float('nan')), y, x, y, num_classes=2, epochs=1)
    with pytest.raises(ValueError, match=r'expected \(N, D\)'):
        fit_linear_probe(x, y, torch.randn(10, 5), y, num_classes=2, epochs=1)
