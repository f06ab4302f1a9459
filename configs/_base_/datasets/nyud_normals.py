# NYU Depth v2 surface normals, standard split (795 train / 654 test), in the layout written
# by tools/dataset_converters/nyud_normals.py (ground truth of Ladicky et al. or Eigen &
# Fergus, OpenCV camera axes, 0 = invalid pixel). Training: the 640x480 images at half
# resolution (320x240), random 224x224 crops (the VGG16 network's input size, Ren & Lee's
# appendix) and horizontal flips (normal x negated). Testing: the whole image at 320x240
# (mmcv's Resize touches the image only), the prediction upsampled to the 640x480 ground
# truth, errors pooled over all valid pixels of the 654 test images.
data_root = 'data/nyud_normals'
crop_size = 224
test_scale = (320, 240)  # (w, h)

train_pipeline = [
    dict(type='LoadMultiTaskAnnotations'),
    dict(type='MultiTaskResize', scale=test_scale),
    dict(type='MultiTaskRandomCrop', crop_size=crop_size),
    dict(type='MultiTaskRandomFlip', prob=0.5),
    dict(type='PackMultiTaskInputs'),
]
test_pipeline = [
    dict(type='LoadMultiTaskAnnotations'),
    dict(type='mmcv.Resize', scale=test_scale, keep_ratio=False),
    dict(type='PackMultiTaskInputs'),
]

train_dataloader = dict(
    batch_size=8,
    num_workers=4,
    persistent_workers=True,
    sampler=dict(type='InfiniteSampler', shuffle=True),
    collate_fn=dict(type='default_collate'),
    dataset=dict(type='NYUDv2NormalsDataset', data_root=data_root, split='train',
                 pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=4,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    collate_fn=dict(type='default_collate'),
    dataset=dict(type='NYUDv2NormalsDataset', data_root=data_root, split='test',
                 test_mode=True, pipeline=test_pipeline))
test_dataloader = val_dataloader
val_evaluator = dict(type='NormalMetric')
test_evaluator = val_evaluator
