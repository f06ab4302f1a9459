# Copyright (c) synthssl contributors.
"""Real photographs: any folder tree, and the photos shipped inside installed packages."""
import cv2
import numpy as np
import pytest
import torch
from mmengine.runner import Runner

from synthssl.datasets import (RealImageFolderDataset, builtin_photo_names,
                               materialize_builtin_photos)


def test_folder_tree_recursive(tmp_path):
    (tmp_path / 'a' / 'b').mkdir(parents=True)
    cv2.imwrite(str(tmp_path / 'a' / 'b' / 'x.JPG'), np.zeros((10, 12, 3), np.uint8))
    cv2.imwrite(str(tmp_path / 'top.png'), np.zeros((10, 12, 3), np.uint8))
    (tmp_path / 'notes.txt').write_text('not an image')
    ds = RealImageFolderDataset(str(tmp_path))
    assert [ds.get_data_info(i)['img_path'] for i in range(len(ds))] == \
        [str(tmp_path / 'a' / 'b' / 'x.JPG'), str(tmp_path / 'top.png')]
    assert len(RealImageFolderDataset(str(tmp_path), recursive=False)) == 1
    with pytest.raises(FileNotFoundError, match='no images'):
        RealImageFolderDataset(str(tmp_path / 'a'), recursive=False)


def test_builtin_photos_through_dataloader(tmp_path):
    out = str(tmp_path / 'photos')
    paths = materialize_builtin_photos(out)
    names = builtin_photo_names()
    assert len(paths) == len(names) >= 15
    assert 'skimage_astronaut' in names and 'skimage_motorcycle_left' in names
    astro = cv2.imread(paths[names.index('skimage_astronaut')])
    assert astro.shape == (512, 512, 3) and astro.std() > 20  # a real, colourful photo
    camera = cv2.imread(paths[names.index('skimage_camera')])
    assert np.array_equal(camera[..., 0], camera[..., 2])  # grey stored as 3 channels
    pipeline = [dict(type='synthssl.LoadMultiTaskAnnotations'),
                dict(type='synthssl.MultiTaskResize', short_edge=36),
                dict(type='synthssl.MultiTaskRandomCrop', crop_size=32),
                dict(type='synthssl.PackMultiTaskInputs')]
    loader = Runner.build_dataloader(
        dict(batch_size=8, num_workers=0, sampler=dict(type='DefaultSampler', shuffle=True),
             collate_fn=dict(type='default_collate'),
             dataset=dict(type='synthssl.RealImageFolderDataset', data_root=out,
                          pipeline=pipeline)), seed=0)
    assert len(loader.dataset) == len(paths)
    batch = next(iter(loader))
    assert batch['inputs'].shape == (8, 3, 32, 32) and batch['inputs'].dtype == torch.uint8
    assert batch['inputs'].float().std() > 10
