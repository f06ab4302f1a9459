# VisDA-17 for CSG: train on the synthetic `train` split, validate on the real `validation`
# split (COCO crops), mean per-class accuracy. Layout (the devkit's):
#   data/visda17/train/image_list.txt, data/visda17/train/<class>/*.png
#   data/visda17/validation/image_list.txt, data/visda17/validation/<class>/*.jpg
data_root = 'data/visda17'

# The released utils/augmentations.py RandAugment (14 ops, N = 1, M = 6 of 30) with
# mmpretrain's ops: magnitude = M / total_level * (max - min) + min, so total_level=30 and
# magnitude_level=6 give the authors' 0.2 of each range. Every op is applied (prob 1; the
# mmpretrain default is 0.5) with a random sign (random_negative_prob 0.5) like the
# authors'. Differences: Identity has no mmpretrain op (a probability-0 AutoContrast is a
# no-op); AutoContrast/Equalize fire with probability M/30 = 0.2 as the authors' `v`;
# Translate is relative (0.09 of the side at M = 6) where the authors translate 20 px.
csg_randaug_policies = [
    dict(type='AutoContrast', prob=0.),  # Identity
    dict(type='AutoContrast', prob=0.2),
    dict(type='Equalize', prob=0.2),
    dict(type='Rotate', magnitude_range=(0, 30), prob=1.),  # ±6°
    dict(type='Posterize', magnitude_range=(8, 1), prob=1.),  # ceil(6.6) = 7 bits, as 8 - int(1.4)
    dict(type='Solarize', magnitude_range=(256, 0), prob=1.),  # threshold 204.8
    dict(type='ColorTransform', magnitude_range=(0, 0.9), prob=1.),  # factor 1 ± 0.18
    dict(type='Contrast', magnitude_range=(0, 0.9), prob=1.),
    dict(type='Brightness', magnitude_range=(0, 0.9), prob=1.),
    dict(type='Sharpness', magnitude_range=(0, 0.9), prob=1.),
    dict(type='Shear', magnitude_range=(0, 0.3), direction='horizontal', prob=1.),  # ±0.06
    dict(type='Shear', magnitude_range=(0, 0.3), direction='vertical', prob=1.),
    dict(type='Translate', magnitude_range=(0, 0.45), direction='horizontal', prob=1.),
    dict(type='Translate', magnitude_range=(0, 0.45), direction='vertical', prob=1.),
]
rand_augment = dict(
    type='mmpretrain.RandAugment',
    policies=csg_randaug_policies,
    num_policies=1,
    magnitude_level=6,
    total_level=30,
    hparams=dict(pad_val=0))  # PIL's affine/rotate fill black
img_size = 224
# q and k: two independent samples of RandAugment -> Resize(224) -> RandomCrop(224).
view_pipeline = [
    rand_augment,
    dict(type='mmpretrain.ResizeEdge', scale=img_size, edge='short'),
    dict(type='mmpretrain.RandomCrop', crop_size=img_size),
]
train_pipeline = [
    dict(type='mmpretrain.LoadImageFromFile'),
    dict(type='mmpretrain.MultiView', num_views=2, transforms=[view_pipeline]),
    dict(type='mmpretrain.PackInputs'),
]
test_pipeline = [
    dict(type='mmpretrain.LoadImageFromFile'),
    dict(type='mmpretrain.ResizeEdge', scale=img_size, edge='short'),
    dict(type='mmpretrain.CenterCrop', crop_size=img_size),
    dict(type='mmpretrain.PackInputs'),
]

train_dataloader = dict(
    batch_size=32,
    num_workers=8,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    collate_fn=dict(type='default_collate'),
    dataset=dict(
        type='synthssl.VisDA17Dataset',
        data_root=data_root,
        ann_file='train/image_list.txt',
        data_prefix='train',
        pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=64,
    num_workers=8,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    collate_fn=dict(type='default_collate'),
    dataset=dict(
        type='synthssl.VisDA17Dataset',
        data_root=data_root,
        ann_file='validation/image_list.txt',
        data_prefix='validation',
        pipeline=test_pipeline))
test_dataloader = val_dataloader
# Macro-averaged recall = mean over classes of TP_c / N_c = the authors' mean per-class
# accuracy (argmax of the flip-averaged sigmoid scores).
val_evaluator = dict(type='mmpretrain.SingleLabelMetric', items=('recall', ), average='macro')
test_evaluator = val_evaluator
