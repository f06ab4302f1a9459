# Copyright (c) synthssl contributors.
"""SynRealPairDataset: deterministic, rank-safe pairing with a restarting real stream."""
import cv2
import numpy as np
import torch
from mmengine.dataset import pseudo_collate

from synthssl.datasets import (EpochEncodedInfiniteSampler, EpochEncodedSampler,
                               RealImageFolderDataset, SynRealPairDataset,
                               SyntheticMultiTaskDataset)


def _real_folder(tmp_path, n):
    root = tmp_path / 'real'
    root.mkdir(exist_ok=True)
    for i in range(n):
        assert cv2.imwrite(str(root / f'{i:02d}.png'), np.full((20, 30, 3), i * 10, np.uint8))
    return str(root)


def _pair(syn_root, real_root, seed=0, pipeline=()):
    return SynRealPairDataset(
        syn=dict(type='synthssl.SyntheticMultiTaskDataset', data_root=syn_root,
                 pipeline=list(pipeline)),
        real=dict(type='synthssl.RealImageFolderDataset', data_root=real_root,
                  pipeline=list(pipeline)), seed=seed)


def test_deterministic_and_distinct_within_epoch(syn_root, tmp_path):
    ds = _pair(syn_root['root'], _real_folder(tmp_path, 7))
    assert len(ds) == 4 and isinstance(ds.syn, SyntheticMultiTaskDataset)
    assert isinstance(ds.real, RealImageFolderDataset)
    again = _pair(syn_root['root'], _real_folder(tmp_path, 7))
    for e in range(3):
        pairs = [ds.real_index(i, e) for i in range(4)]
        assert pairs == [again.real_index(i, e) for i in range(4)]
    # Stream positions e * 4 + i; within one pass over the 7 real images all differ.
    stream = [ds.real_index(i, e) for e in range(7) for i in range(4)]
    for p in range(4):
        assert sorted(stream[7 * p:7 * p + 7]) == list(range(7))
    other_seed = _pair(syn_root['root'], _real_folder(tmp_path, 7), seed=1)
    assert [ds.real_index(i, e) for e in range(3) for i in range(4)] != \
        [other_seed.real_index(i, e) for e in range(3) for i in range(4)]
    info = ds.get_data_info(2)
    assert info['syn']['img_path'].endswith('0000.png') and info['epoch'] == 0
    assert info['real']['img_path'] == ds.real.get_data_info(ds.real_index(2, 0))['img_path']


def test_real_stream_wraps_with_fresh_permutations(syn_root, tmp_path):
    ds = _pair(syn_root['root'], _real_folder(tmp_path, 3))
    # 6 epochs x 4 synthetic items = 24 stream positions = 8 passes over the 3 real images.
    stream = [ds.real_index(i, e) for e in range(6) for i in range(4)]
    passes = [tuple(stream[k:k + 3]) for k in range(0, 24, 3)]
    assert all(sorted(p) == [0, 1, 2] for p in passes)  # every pass uses each image once
    assert len(set(passes)) > 1  # ... in a new order, not a replay of the first pass


def test_ranks_get_different_real_items(syn_root, tmp_path):
    # 8 real images, 4 synthetic: every epoch lies within one pass of the real stream.
    ds = _pair(syn_root['root'], _real_folder(tmp_path, 8))
    for epoch in range(4):
        per_rank = []
        for rank in range(2):
            sampler = EpochEncodedSampler(ds, shuffle=True, seed=5)
            sampler.rank, sampler.world_size = rank, 2
            sampler.num_samples, sampler.total_size = 2, 4
            sampler.set_epoch(epoch)
            idx = list(sampler)
            assert all(epoch * 4 <= k < (epoch + 1) * 4 for k in idx)
            per_rank.append([ds.real_index(*reversed(ds.decode_index(k))) for k in idx])
        assert not set(per_rank[0]) & set(per_rank[1])
    # The encoded index carries the epoch: same synthetic item, different epochs.
    e0, e5 = ds.decode_index(1), ds.decode_index(5 * 4 + 1)
    assert e0 == (0, 1) and e5 == (5, 1)
    ds.set_epoch(5)
    assert ds.decode_index(1) == (5, 1)


def test_infinite_sampler_counts_passes(syn_root, tmp_path):
    ds = _pair(syn_root['root'], _real_folder(tmp_path, 5))
    sampler = EpochEncodedInfiniteSampler(ds, shuffle=True, seed=0)
    it = iter(sampler)
    idx = [next(it) for _ in range(12)]
    assert sorted(i % 4 for i in idx[:4]) == [0, 1, 2, 3]
    assert [i // 4 for i in idx] == [0] * 4 + [1] * 4 + [2] * 4


def test_through_dataloader(syn_root, tmp_path):
    pipeline = [dict(type='synthssl.LoadMultiTaskAnnotations'),
                dict(type='synthssl.MultiTaskResize', scale=(16, 12)),
                dict(type='synthssl.RandomGrayscaleChannel'),
                dict(type='synthssl.PackMultiTaskInputs')]
    ds = _pair(syn_root['root'], _real_folder(tmp_path, 6), pipeline=pipeline)
    sampler = EpochEncodedSampler(ds, shuffle=False, seed=0)
    sampler.set_epoch(1)
    loader = torch.utils.data.DataLoader(ds, batch_size=2, sampler=sampler,
                                         collate_fn=pseudo_collate, num_workers=0)
    batches = list(loader)
    assert len(batches) == 2
    b = batches[0]
    assert set(b) == {'syn', 'real'}
    assert b['syn']['inputs'][0].shape == (3, 12, 16)
    assert 'gt_depth' in b['syn']['data_samples'][0]
    assert 'gt_depth' not in b['real']['data_samples'][0]
    # Real item = the epoch-1 pairing; image value encodes the real file's index (i * 10).
    for k, s in enumerate(b['real']['data_samples']):
        j = ds.real_index(k, 1)
        assert s.img_path.endswith(f'{j:02d}.png')
        assert int(b['real']['inputs'][k][0, 0, 0]) == j * 10
