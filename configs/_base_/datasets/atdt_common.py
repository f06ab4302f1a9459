# The data every AT/DT domain pair shares (inherited by datasets/atdt_<pair>.py): the 11
# CARLA classes, the depth range, the crops and pipelines of the released code, the metrics,
# and the dataloaders of the released training (batch 8). A pair config that changes a value
# here (e.g. the rendered pair's classes and crops) also re-states the dicts built from it
# below: mmengine does not re-evaluate them. The task networks for these classes, depths and
# crops are in models/atdt_dilated-r50.py.
class_names = ('road', 'sidewalk', 'wall', 'fence', 'person', 'pole', 'vegetation', 'car',
               'traffic sign', 'building', 'sky')  # the 11 CARLA classes (datasets/label_maps.py)
num_classes = 11
ignore_index = 255
max_depth = 100.0  # metres: the authors' depth target is GT / 100, GT > 100 m masked
crop_size = (512, 512)

# The authors' augmentation (core/input.py): random 512 crops, no resizing; gamma, brightness
# and colour jitter with p = 0.5 (RandomGammaBrightnessColor; not mmseg PhotoMetricDistortion).
# Horizontal flips are not in the authors' code; they are a standard addition here.
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='synthssl.LoadSemanticMap'),
    dict(type='synthssl.LoadDepthMap'),
    dict(type='mmseg.RandomCrop', crop_size=crop_size),
    dict(type='mmseg.RandomFlip', prob=0.5),
    dict(type='synthssl.RandomGammaBrightnessColor', prob=0.5),
    dict(type='mmseg.PackSegInputs'),
]
val_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='synthssl.LoadSemanticMap'),
    dict(type='synthssl.LoadDepthMap'),
    dict(type='mmseg.PackSegInputs'),
]
# val_pipeline + each image's focal_length, for the per-image focal ratio of
# synthssl.FocalRatioDepthMetric (KITTI: fx from calib/; rendered views: K of their camera)
val_pipeline_focal = val_pipeline[:-1] + [
    dict(type='mmseg.PackSegInputs',
         meta_keys=('img_path', 'seg_map_path', 'ori_shape', 'img_shape', 'pad_shape',
                    'scale_factor', 'flip', 'flip_direction', 'reduce_zero_label',
                    'focal_length')),
]

# What the task networks are evaluated with.
depth_metric = dict(
    type='synthssl.DepthMetric',
    pred_key='pred_depth_map',
    gt_key='gt_depth_map',
    min_depth=1e-3,
    max_depth=max_depth)
# aAcc (the paper's Acc.), mIoU and IoU.<class> (the paper's per-class columns)
semantic_metric = dict(type='synthssl.PerClassIoUMetric', iou_metrics=['mIoU'])
# The released training's dataloaders (train_task.py: batch 8); the stage configs pick the
# datasets (the domain_* of the pair config), stage 3 a batch of 1.
train_dataloader = dict(
    batch_size=8,
    num_workers=4,
    persistent_workers=True,
    sampler=dict(type='InfiniteSampler', shuffle=True))
val_dataloader = dict(
    batch_size=1,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False))
test_dataloader = val_dataloader
