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
_base_ = ['./atdt_common.py']  # classes, depth range, crops, pipelines, metrics, loaders
data_root_a = 'data/carla/train'
data_root_b = 'data/kitti/data_semantics/training'
data_root_a_val = 'data/carla/val'
data_root_b_val = 'data/kitti/data_stereo_flow/training'
data_root_b_oracle = 'data/kitti'  # data_scene_flow/training + data_scene_flow_calib/training
# + focal_length (fx from calib/, per image) for the per-image focal ratio of
# synthssl.FocalRatioDepthMetric (the released evaluation reads KITTI focals from calib files)
val_pipeline = _base_.val_pipeline_focal

domain_a_train = dict(type='synthssl.CARLADataset', data_root=data_root_a,
                      pipeline=_base_.train_pipeline)
domain_b_train = dict(type='synthssl.KITTIDepthDataset', data_root=data_root_b, img_dir='image_2',
                      seg_dir='semantic', depth_dir=None, pipeline=_base_.train_pipeline)
domain_ab_train = dict(type='ConcatDataset', datasets=[domain_a_train, domain_b_train])
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
                             seg_dir=None, pipeline=_base_.train_pipeline)
