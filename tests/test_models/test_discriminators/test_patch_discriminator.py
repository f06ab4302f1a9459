# Copyright (c) synthssl contributors.
import pytest
import torch

from synthssl.models.backbones import SynthAlexNet
from synthssl.models.discriminators import PatchDiscriminator


def test_conv5_discriminator_matches_the_table():
    d = PatchDiscriminator().eval()
    convs = [m for m in d.layers if isinstance(m, torch.nn.Conv2d)]
    assert [(c.in_channels, c.out_channels, c.kernel_size[0], c.stride[0]) for c in convs] == \
        [(256, 512, 3, 2), (512, 512, 1, 1), (512, 1, 1, 1)]
    assert sum(isinstance(m, torch.nn.LeakyReLU) and m.negative_slope == 0.2
               for m in d.layers) == 2
    assert sum(isinstance(m, torch.nn.BatchNorm2d) for m in d.layers) == 2
    with torch.no_grad():
        assert d(torch.randn(2, 256, 13, 13)).shape == (2, 1, 6, 6)


@pytest.mark.parametrize('layer', ['conv1', 'conv4', 'conv5', 'fc6'])
def test_every_table3_input_layer_gives_a_patch_grid(layer):
    torch.manual_seed(0)
    net = SynthAlexNet(out_indices=(layer, ), tap='pre').eval()
    d = PatchDiscriminator(in_layer=layer, mid_channels=32).eval()
    with torch.no_grad():
        out = d(net(torch.randn(1, 3, 227, 227))[0])
    assert out.shape[:2] == (1, 1) and 6 <= out.shape[-1] <= 6


def test_unknown_layer():
    with pytest.raises(ValueError, match='in_layer'):
        PatchDiscriminator(in_layer='pool9')
