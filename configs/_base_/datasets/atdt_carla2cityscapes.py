# AT/DT domains Carla -> Cityscapes (paper Tab. 1c, 2b, 3, 4).
# CARLA: the authors' episode_XXXX/MyCamera_L layout, train and val episodes in separate
# folders (their filelists: 3500 train / 500 val / 1000 test frames). Cityscapes: train split
# (depth from tools/dataset_converters/cityscapes_disparity_to_depth.py), val split for
# evaluation (500 images, full 2048x1024).
# Layouts: see the reader docstrings in synthssl/datasets/atdt/ and the README.
_base_ = ['./atdt_common.py']  # classes, depth range, crops, pipelines, metrics, loaders
data_root_a = 'data/carla/train'
data_root_b = 'data/cityscapes'
data_root_a_val = 'data/carla/val'
data_root_b_val = 'data/cityscapes'

domain_a_train = dict(type='synthssl.CARLADataset', data_root=data_root_a,
                      pipeline=_base_.train_pipeline)
domain_b_train = dict(type='synthssl.CityscapesDepthDataset', data_root=data_root_b, split='train',
                      pipeline=_base_.train_pipeline)
domain_ab_train = dict(type='ConcatDataset', datasets=[domain_a_train, domain_b_train])
domain_a_val = dict(type='synthssl.CARLADataset', data_root=data_root_a_val,
                    pipeline=_base_.val_pipeline, test_mode=True)
domain_b_val = dict(type='synthssl.CityscapesDepthDataset', data_root=data_root_b_val, split='val',
                    pipeline=_base_.val_pipeline, test_mode=True)
