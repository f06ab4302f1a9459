# Copyright (c) synthssl contributors.
"""``synthssl.RoIPool`` (torchvision's RoI max pooling) and ``synthssl.SingleRoIExtractor``."""
import math

import pytest
import torch
import torch.nn.functional as F
from mmengine.registry import DefaultScope

from synthssl.models.roi import TorchvisionRoIPool


def _caffe_roi_pool(feat: torch.Tensor, roi: torch.Tensor, out: int, scale: float) -> torch.Tensor:
    """Loop version of Fast R-CNN's Caffe RoIPoolingLayer forward for one RoI (C, out, out)."""
    c, h, w = feat.shape[1:]
    b = int(roi[0])
    x1, y1, x2, y2 = (int(math.floor(float(v) * scale + 0.5)) for v in roi[1:])
    rw, rh = max(x2 - x1 + 1, 1), max(y2 - y1 + 1, 1)
    res = torch.zeros(c, out, out)
    for ph in range(out):
        for pw in range(out):
            hs = min(max(int(math.floor(ph * rh / out)) + y1, 0), h)
            he = min(max(int(math.ceil((ph + 1) * rh / out)) + y1, 0), h)
            ws = min(max(int(math.floor(pw * rw / out)) + x1, 0), w)
            we = min(max(int(math.ceil((pw + 1) * rw / out)) + x1, 0), w)
            if he > hs and we > ws:
                res[:, ph, pw] = feat[b, :, hs:he, ws:we].amax((-1, -2))
    return res


def test_grid_aligned_rois_equal_a_plain_max_pool():
    """A RoI of 6x6 stride-16 cells pooled to 3x3 is a 2x2 max pool of those cells."""
    torch.manual_seed(0)
    feat = torch.randn(2, 4, 9, 10)
    pool = TorchvisionRoIPool(output_size=3, spatial_scale=1 / 16)
    rois = torch.tensor([[0., 0., 0., 80., 80.],     # cells x 0..5, y 0..5 of image 0
                         [1., 16., 32., 96., 112.]])  # cells x 1..6, y 2..7 of image 1
    out = pool(feat, rois)
    assert out.shape == (2, 4, 3, 3)
    torch.testing.assert_close(out[0], F.max_pool2d(feat[0:1, :, 0:6, 0:6], 2)[0])
    torch.testing.assert_close(out[1], F.max_pool2d(feat[1:2, :, 2:8, 1:7], 2)[0])


def test_unaligned_rois_follow_the_caffe_kernel():
    torch.manual_seed(1)
    feat = torch.randn(1, 3, 13, 17)
    rois = torch.tensor([[0., 3., 5., 130., 90.], [0., 40., 0., 55., 12.],
                         [0., 0., 0., 270., 200.], [0., 100., 100., 100., 100.]])
    out = TorchvisionRoIPool(6, 1 / 16)(feat, rois)
    for i, roi in enumerate(rois):
        torch.testing.assert_close(out[i], _caffe_roi_pool(feat, roi, 6, 1 / 16))


def test_one_cell_bins_match_mmcv_roi_align():
    """Where every bin is one feature cell, max pooling and mmcv's RoIAlign (aligned, one
    sample at the cell centre) both return the cells themselves."""
    from mmcv.ops import RoIAlign
    torch.manual_seed(2)
    feat = torch.randn(1, 5, 12, 12)
    rois = torch.tensor([[0., 32., 16., 112., 96.]])  # cells x 2..7, y 1..6
    ours = TorchvisionRoIPool(6, 1 / 16)(feat, rois)
    align = RoIAlign(6, spatial_scale=1 / 16, sampling_ratio=1, aligned=True)
    # RoIAlign takes continuous boxes: cell k spans [16k, 16(k + 1))
    theirs = align(feat, torch.tensor([[0., 32., 16., 128., 112.]]))
    torch.testing.assert_close(ours, feat[:, :, 1:7, 2:8])
    torch.testing.assert_close(ours, theirs)


def test_gradients_flow_to_the_argmax_cells():
    torch.manual_seed(3)
    feat = torch.randn(1, 2, 8, 8, requires_grad=True)
    out = TorchvisionRoIPool(3, 1 / 16)(feat, torch.tensor([[0., 0., 0., 80., 80.]]))
    out.sum().backward()
    grad = feat.grad
    assert grad.sum() == 2 * 9  # one cell per bin and channel gets the bin's gradient 1
    assert grad[:, :, 6:].abs().sum() == 0 and grad[:, :, :, 6:].abs().sum() == 0
    crop = feat.detach()[:, :, :6, :6].clone().requires_grad_()
    F.max_pool2d(crop, 2).sum().backward()
    torch.testing.assert_close(grad[:, :, :6, :6], crop.grad)


def test_bad_arguments():
    with pytest.raises(ValueError, match='spatial_scale'):
        TorchvisionRoIPool(6, 0.)
    with pytest.raises(ValueError, match=r'\(K, 5\)'):
        TorchvisionRoIPool(6, 1.)(torch.zeros(1, 1, 4, 4), torch.zeros(3, 4))


def test_extractor_builds_registry_and_mmcv_layers_in_mmdet_scope():
    import mmdet.models  # noqa: F401
    from mmcv.ops import RoIAlign
    from mmdet.registry import MODELS
    from synthssl.models.roi.single_roi_extractor import SingleRoIExtractor
    with DefaultScope.overwrite_default_scope('mmdet'):
        ext = MODELS.build(dict(type='synthssl.SingleRoIExtractor',
                                roi_layer=dict(type='synthssl.RoIPool', output_size=6),
                                out_channels=256, featmap_strides=[16]))
        plain = MODELS.build(dict(type='synthssl.SingleRoIExtractor',
                                  roi_layer=dict(type='RoIAlign', output_size=6,
                                                 sampling_ratio=0),
                                  out_channels=256, featmap_strides=[8, 16]))
        with pytest.raises(KeyError, match='NoSuchPool'):
            MODELS.build(dict(type='synthssl.SingleRoIExtractor',
                              roi_layer=dict(type='synthssl.NoSuchPool', output_size=6),
                              out_channels=256, featmap_strides=[16]))
    assert isinstance(ext, SingleRoIExtractor)
    assert isinstance(ext.roi_layers[0], TorchvisionRoIPool)
    assert ext.roi_layers[0].spatial_scale == 1 / 16 and ext.roi_layers[0].output_size == (6, 6)
    assert all(isinstance(m, RoIAlign) for m in plain.roi_layers)
    assert [m.spatial_scale for m in plain.roi_layers] == [1 / 8, 1 / 16]
    # the extractor pools a conv5 map: (K, 256, 6, 6), differentiable
    feat = torch.randn(2, 256, 10, 12, requires_grad=True)
    rois = torch.tensor([[0., 0., 0., 150., 100.], [1., 20., 30., 90., 150.]])
    out = ext((feat, ), rois)
    assert out.shape == (2, 256, 6, 6)
    out.sum().backward()
    assert feat.grad[0].abs().sum() > 0 and feat.grad[1].abs().sum() > 0


@pytest.mark.skipif(not torch.cuda.is_available(),
                    reason='needs a CUDA GPU: mmcv RoIPool has no CPU kernel')
def test_cuda_matches_mmcv_roi_pool():
    from mmcv.ops import RoIPool
    torch.manual_seed(4)
    feat = torch.randn(2, 8, 20, 24, device='cuda')
    rois = torch.tensor([[0., 16., 16., 160., 200.], [1., 0., 0., 300., 250.]], device='cuda')
    ours = TorchvisionRoIPool(6, 1 / 16)(feat, rois)
    theirs = RoIPool(6, 1 / 16)(feat, rois)
    assert ours.is_cuda and ours.shape == theirs.shape == (2, 8, 6, 6)
    # mmcv does not round the RoI to the grid: the two agree on most bins only
    assert (ours == theirs).float().mean() > 0.5
