# What every AT/DT domain pair shares (inherited by configs/_base_/datasets/atdt_<pair>.py):
# the 11 CARLA classes, the depth range, the crops and pipelines of the released code, and the
# task networks of atdt_dilated-r50.py sized for them (`depth_net`, `semantic_net`, their
# metrics). A pair config that changes a value here (e.g. the rendered pair's classes and
# crops) also re-sizes the dicts built from it below: mmengine does not re-evaluate them.
_base_ = ['../models/atdt_dilated-r50.py']

class_names = ('road', 'sidewalk', 'wall', 'fence', 'person', 'pole', 'vegetation', 'car',
               'traffic sign', 'building', 'sky')  # the 11 CARLA classes (labels.py)
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

# The task networks for these classes, depths and crops (N1, N2, baselines, oracles; the
# source and target of ATDTTransfer), and what they are evaluated with.
depth_net = dict(
    _base_.atdt_depth_net,
    data_preprocessor=dict(_base_.atdt_data_preprocessor, size=crop_size),
    decode_head=dict(
        _base_.atdt_depth_net.decode_head,
        max_depth=max_depth,
        loss_decode=dict(type='synthssl.MaskedL1DepthLoss', max_depth=max_depth)))
semantic_net = dict(
    _base_.atdt_semantic_net,
    data_preprocessor=dict(_base_.atdt_data_preprocessor, size=crop_size),
    decode_head=dict(
        _base_.atdt_semantic_net.decode_head, num_classes=num_classes, ignore_index=ignore_index))
depth_metric = dict(
    type='synthssl.DepthMetric',
    pred_key='pred_depth_map',
    gt_key='gt_depth_map',
    min_depth=1e-3,
    max_depth=max_depth)
# aAcc (the paper's Acc.), mIoU and IoU.<class> (the paper's per-class columns)
semantic_metric = dict(type='synthssl.PerClassIoUMetric', iou_metrics=['mIoU'])
# stages 3/4: G_{1->2} (atdt_transfer) from the last stage of the source network's encoder;
# the stage configs pick source and target (depth_net / semantic_net)
transfer_model = dict(
    type='synthssl.ATDTTransfer',
    transfer=_base_.atdt_transfer,
    source_checkpoint=None,
    target_checkpoint=None,
    transfer_level=-1)
