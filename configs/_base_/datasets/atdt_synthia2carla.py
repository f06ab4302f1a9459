# AT/DT domains Synthia -> Carla (paper Tab. 1a, 2a, 5).
# SYNTHIA-SF SEQ1-4 train / SEQ5 val; CARLA train / val episodes in separate folders.
# Layouts: see the reader docstrings in synthssl/datasets/atdt/ and the README.
_base_ = ['./atdt_common.py']  # classes, depth range, crops, pipelines, metrics, loaders
data_root_a = 'data/SYNTHIA-SF'
data_root_b = 'data/carla/train'
data_root_a_val = 'data/SYNTHIA-SF'
data_root_b_val = 'data/carla/val'

domain_a_train = dict(type='synthssl.SynthiaSFDataset', data_root=data_root_a,
                      sequences=(1, 2, 3, 4), pipeline=_base_.train_pipeline)
domain_b_train = dict(type='synthssl.CARLADataset', data_root=data_root_b,
                      pipeline=_base_.train_pipeline)
domain_ab_train = dict(type='ConcatDataset', datasets=[domain_a_train, domain_b_train])
domain_a_val = dict(type='synthssl.SynthiaSFDataset', data_root=data_root_a_val, sequences=(5, ),
                    pipeline=_base_.val_pipeline, test_mode=True)
domain_b_val = dict(type='synthssl.CARLADataset', data_root=data_root_b_val,
                    pipeline=_base_.val_pipeline, test_mode=True)
