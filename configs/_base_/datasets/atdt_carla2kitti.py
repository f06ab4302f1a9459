# AT/DT domains Carla -> Kitti (paper Tab. 2c; Sem. -> Dep.).
# KITTI train (domain B, semantics only): the 200 KITTI 2015 images with semantic labels
# (data_semantics/training: image_2 + semantic, Cityscapes ids -> CARLA); no depth, so
# gt_depth_map is all-invalid. KITTI val (depth only): the 200 KITTI 2012 stereo training
# images (data_stereo_flow/training: colored_0 + disp_occ + calib, depth = fx * B / d).
# KITTI frames (~1242x375) are not divisible by 64: the stage configs pad them at test time
# (SegDataPreProcessor test_cfg size_divisor=64) and mmseg crops the predictions back.
# KITTI oracle (Tab. 2c, depth trained on B): the paper does not say on which KITTI depth; here
# the 200 KITTI 2015 stereo training images (data_scene_flow: image_2 + disp_occ_0 + calib,
# the same frames as the semantic set), tested like the rest on KITTI 2012.
# Layouts: see the reader docstrings in synthssl/datasets/atdt/ and the README.
data_root_a = 'data/carla/train'
data_root_b = 'data/kitti/data_semantics/training'
data_root_a_val = 'data/carla/val'
data_root_b_val = 'data/kitti/data_stereo_flow/training'
data_root_b_oracle = 'data/kitti'  # data_scene_flow/training + data_scene_flow_calib/training

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
# focal_length (fx from calib/, per image) is packed for the per-image focal ratio of
# synthssl.FocalRatioDepthMetric (the released evaluation reads KITTI focals from calib files).
val_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='synthssl.LoadSemanticMap'),
    dict(type='synthssl.LoadDepthMap'),
    dict(type='mmseg.PackSegInputs',
         meta_keys=('img_path', 'seg_map_path', 'ori_shape', 'img_shape', 'pad_shape',
                    'scale_factor', 'flip', 'flip_direction', 'reduce_zero_label',
                    'focal_length')),
]

domain_a_train = dict(type='synthssl.CARLADataset', data_root=data_root_a, pipeline=train_pipeline)
domain_b_train = dict(type='synthssl.KITTIDepthDataset', data_root=data_root_b, img_dir='image_2',
                      seg_dir='semantic', depth_dir=None, pipeline=train_pipeline)
domain_a_val = dict(type='synthssl.CARLADataset', data_root=data_root_a_val, pipeline=val_pipeline,
                    test_mode=True)
domain_b_val = dict(type='synthssl.KITTIDepthDataset', data_root=data_root_b_val,
                    img_dir='colored_0', depth_dir='disp_occ', depth_encoding='disparity',
                    calib_dir='calib', seg_dir=None, pipeline=val_pipeline, test_mode=True)
# B's depth labels, used by the oracle only (AT/DT never sees them)
domain_b_oracle_train = dict(type='synthssl.KITTIDepthDataset', data_root=data_root_b_oracle,
                             img_dir='data_scene_flow/training/image_2',
                             depth_dir='data_scene_flow/training/disp_occ_0',
                             depth_encoding='disparity',
                             calib_dir='data_scene_flow_calib/training/calib_cam_to_cam',
                             seg_dir=None, pipeline=train_pipeline)
