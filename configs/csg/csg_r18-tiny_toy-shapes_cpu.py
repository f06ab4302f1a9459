# CSG classification on a fresh machine (CPU, minutes): a small ResNet-18 classifier on the
# procedural toy shapes, with the VisDA-17 recipe's pieces (two RandAugment views, A-pool on
# stages 3 and 4, frozen teacher, EMA key MLP, flip-averaged sigmoid scores, mean per-class
# accuracy). Render the data first:
#   python tools/render/render_toy_shapes.py data/toy_shapes
_base_ = [
    '../_base_/models/csg_r101_visda17.py', '../_base_/datasets/csg_visda17.py',
    '../_base_/schedules/csg_cpu_60it.py',
    '../_base_/default_runtime.py'
]
default_scope = 'mmpretrain'
# a log every 10 iterations, a checkpoint every 30 (keep 2), gloo for the CPU processes
default_hooks = dict(
    logger=dict(type='LoggerHook', interval=10),
    checkpoint=dict(type='CheckpointHook', by_epoch=False, interval=30, max_keep_ckpts=2))
env_cfg = dict(dist_cfg=dict(backend='gloo'))

data_root = 'data/toy_shapes'
num_classes = 4
img_size = 64

model = dict(
    model=dict(
        data_preprocessor=dict(num_classes=num_classes),
        backbone=dict(depth=18, base_channels=16, init_cfg=None),  # random init
        head=dict(num_classes=num_classes, in_channels=128, mid_channels=[64])),
    queue_len=256)

view_pipeline = [
    {{_base_.rand_augment}},
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
    batch_size=16,
    num_workers=0,
    persistent_workers=False,
    dataset=dict(
        _delete_=True,
        type='mmpretrain.CustomDataset',
        data_root=data_root,
        data_prefix='train',
        pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=16,
    num_workers=0,
    persistent_workers=False,
    dataset=dict(
        _delete_=True,
        type='mmpretrain.CustomDataset',
        data_root=data_root,
        data_prefix='val',
        pipeline=test_pipeline))
test_dataloader = val_dataloader

val_cfg = dict()
test_cfg = dict()
