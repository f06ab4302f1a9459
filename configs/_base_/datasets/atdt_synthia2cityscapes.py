# AT/DT domains Synthia -> Cityscapes (paper Tab. 1b, Fig. 4, Tab. 5, 6).
# SYNTHIA-SF split by sequence (paper Sec. 5): SEQ1-4 train, SEQ5 val (SEQ6 left for test).
# Depth decoded with the SYNTHIA README factor (5000 m); the authors' code used the CARLA
# factor 1000 (depth_encoding='carla_rgb' on the Synthia datasets reproduces that).
# Layouts: see the reader docstrings in synthssl/datasets/atdt/ and the README.
data_root_a = 'data/SYNTHIA-SF'
data_root_b = 'data/cityscapes'
data_root_a_val = 'data/SYNTHIA-SF'
data_root_b_val = 'data/cityscapes'

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

domain_a_train = dict(type='synthssl.SynthiaSFDataset', data_root=data_root_a,
                      sequences=(1, 2, 3, 4), pipeline=train_pipeline)
domain_b_train = dict(type='synthssl.CityscapesDepthDataset', data_root=data_root_b, split='train',
                      pipeline=train_pipeline)
domain_a_val = dict(type='synthssl.SynthiaSFDataset', data_root=data_root_a_val, sequences=(5, ),
                    pipeline=val_pipeline, test_mode=True)
domain_b_val = dict(type='synthssl.CityscapesDepthDataset', data_root=data_root_b_val, split='val',
                    pipeline=val_pipeline, test_mode=True)
