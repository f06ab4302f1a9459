# Synthetic multi-task views (rendered by tools/render/render_synthetic.py) paired with unlabeled
# real photographs, as Ren & Lee train: 227 crops of 256-resized views, grayscale (one random
# RGB channel copied to all three) on both domains. A config for other sizes rebuilds the
# pipelines from these (see configs/renlee/vgg16_3task.py): redefining crop_size or resize
# in a child config does not change the dicts below (rebuild them by key, not by index).
# InstanceToContour runs after the resize and crop: nearest-neighbour resizing of a
# one-pixel contour map drops thin boundary pixels (a quarter of them at 480 -> 256).
syn_root = 'data/synthssl/render_train'
syn_val_root = 'data/synthssl/render_val'
real_root = 'data/synthssl/real_photos'  # any image tree, e.g. Places365
crop_size = 227
resize = 256  # views squashed to resize x resize, photos' short edge to resize

syn_pipeline = [
    dict(type='LoadMultiTaskAnnotations'),
    dict(type='MultiTaskResize', scale=(resize, resize)),
    dict(type='MultiTaskRandomCrop', crop_size=crop_size),
    dict(type='InstanceToContour'),  # after the geometry: 1-pixel contours at the final size
    dict(type='RandomGrayscaleChannel', prob=1.0),
    dict(type='PackMultiTaskInputs'),
]
real_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='MultiTaskResize', short_edge=resize),
    dict(type='MultiTaskRandomCrop', crop_size=crop_size),
    dict(type='RandomGrayscaleChannel', prob=1.0),
    dict(type='PackMultiTaskInputs'),
]
val_pipeline = [
    dict(type='LoadMultiTaskAnnotations'),
    dict(type='MultiTaskResize', scale=(crop_size, crop_size)),
    dict(type='InstanceToContour'),
    dict(type='PackMultiTaskInputs'),
]

train_dataloader = dict(
    batch_size=28,  # per GPU: 8 x 28 = 224, the authors' batch
    num_workers=4,
    persistent_workers=True,
    sampler=dict(type='EpochEncodedInfiniteSampler', shuffle=True),
    collate_fn=dict(type='default_collate'),
    dataset=dict(
        type='SynRealPairDataset',
        syn=dict(type='SyntheticMultiTaskDataset', data_root=syn_root, pipeline=syn_pipeline),
        real=dict(type='RealImageFolderDataset', data_root=real_root, pipeline=real_pipeline)))
val_dataloader = dict(
    batch_size=28,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    collate_fn=dict(type='default_collate'),
    dataset=dict(type='SyntheticMultiTaskDataset', data_root=syn_val_root,
                 pipeline=val_pipeline))
val_evaluator = [
    dict(type='DepthMetric'),
    dict(type='NormalMetric'),
    dict(type='ContourMetric'),
]
test_dataloader = val_dataloader
test_evaluator = val_evaluator
