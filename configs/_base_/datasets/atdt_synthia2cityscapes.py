# AT/DT domains Synthia -> Cityscapes (paper Tab. 1b, Fig. 4, Tab. 5, 6).
# SYNTHIA-SF split by sequence (paper Sec. 5): SEQ1-4 train, SEQ5 val (SEQ6 left for test).
# Depth decoded with the SYNTHIA README factor (5000 m); the authors' code used the CARLA
# factor 1000 (depth_encoding='carla_rgb' on the Synthia datasets reproduces that).
# Layouts: see the reader docstrings in synthssl/datasets/atdt/ and the README.
_base_ = ['./atdt_common.py']  # classes, depth range, crops, pipelines, metrics, loaders
data_root_a = 'data/SYNTHIA-SF'
data_root_b = 'data/cityscapes'
data_root_a_val = 'data/SYNTHIA-SF'
data_root_b_val = 'data/cityscapes'

domain_a_train = dict(type='synthssl.SynthiaSFDataset', data_root=data_root_a,
                      sequences=(1, 2, 3, 4), pipeline=_base_.train_pipeline)
domain_b_train = dict(type='synthssl.CityscapesDepthDataset', data_root=data_root_b, split='train',
                      pipeline=_base_.train_pipeline)
domain_ab_train = dict(type='ConcatDataset', datasets=[domain_a_train, domain_b_train])
domain_a_val = dict(type='synthssl.SynthiaSFDataset', data_root=data_root_a_val, sequences=(5, ),
                    pipeline=_base_.val_pipeline, test_mode=True)
domain_b_val = dict(type='synthssl.CityscapesDepthDataset', data_root=data_root_b_val, split='val',
                    pipeline=_base_.val_pipeline, test_mode=True)
