# Copyright (c) synthssl contributors.
"""CSG's segmentation views: AddKeyView (photometric key view) and PackCSGSegInputs, through
the segmentor's preprocessor."""
import numpy as np
import pytest
import torch


def test_key_view_and_packing():
    import synthssl  # noqa: F401
    from mmengine.dataset import pseudo_collate
    from synthssl.registry import TRANSFORMS
    jitter = [dict(type='mmpretrain.NumpyToPIL', to_rgb=True),
              dict(type='mmpretrain.torchvision/ColorJitter', brightness=0.4, contrast=0.4,
                   saturation=0.4, hue=0.4),
              dict(type='mmpretrain.PILToNumpy', to_bgr=True)]
    add = TRANSFORMS.build(dict(type='synthssl.AddKeyView', transforms=jitter))
    pack = TRANSFORMS.build(dict(type='synthssl.PackCSGSegInputs'))
    rng = np.random.default_rng(0)
    img = rng.integers(0, 256, (16, 20, 3), dtype=np.uint8)
    torch.manual_seed(0)
    results = add(dict(img=img.copy(), img_shape=(16, 20), ori_shape=(16, 20),
                       gt_seg_map=np.zeros((16, 20), np.uint8), seg_fields=['gt_seg_map']))
    assert results['img_k'].shape == img.shape and results['img_k'].dtype == np.uint8
    assert np.array_equal(results['img'], img) and not np.array_equal(results['img_k'], img)
    packed = pack(results)
    q, k = packed['inputs']
    assert q.shape == k.shape == (3, 16, 20)
    assert torch.equal(q, torch.from_numpy(img).permute(2, 0, 1))
    assert packed['data_samples'].gt_sem_seg.data.shape == (1, 16, 20)
    with pytest.raises(ValueError, match='only photometric'):
        TRANSFORMS.build(dict(type='synthssl.AddKeyView', transforms=[
            dict(type='mmseg.RandomCrop', crop_size=(8, 8))]))(dict(img=img.copy()))
    with pytest.raises(KeyError, match='AddKeyView'):
        pack(dict(img=img))
    # Two collated samples go through the segmentor's preprocessor view by view.
    from csg_helpers import build_csg
    model = build_csg('seg')
    batch = pseudo_collate([pack(add(dict(results))) for _ in range(2)])
    data = model.data_preprocessor(batch, True)
    assert [tuple(v.shape) for v in data['inputs']] == [(2, 3, 32, 32)] * 2  # padded to size
    mean = torch.tensor([120., 110., 100.]).view(3, 1, 1)
    expected_q = (torch.from_numpy(img[..., ::-1].copy()).permute(2, 0, 1).float() - mean) / 60
    assert torch.allclose(data['inputs'][0][0, :, :16, :20], expected_q)
