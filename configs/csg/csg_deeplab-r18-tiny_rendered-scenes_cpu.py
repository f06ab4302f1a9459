# Dense CSG segmentation on a fresh machine (CPU, minutes): a small DeepLab (ResNet-18, OS 8,
# ASPP) trained on rendered 'indoor' rooms and evaluated on rooms of the 'warm' style, with
# the GTA5 recipe's pieces (ColorJitter key view of the same crop, 8x8 chunks, A-pool on
# stages 3 and 4, frozen BN, λ = 75). Render the data first:
#   python tools/render/render_synthetic.py data/csg/render/indoor_train --scenes 8 --size 128
#   python tools/render/render_synthetic.py data/csg/render/warm_val --scenes 2 --size 128 \
#       --style warm --seed 100
_base_ = [
    '../_base_/models/csg_deeplab-r50-d8.py', '../_base_/datasets/csg_gta5-to-cityscapes.py',
    '../_base_/schedules/csg_cpu_60it.py',
    '../_base_/default_runtime.py'
]
default_scope = 'mmseg'
# a log every 10 iterations, a checkpoint every 30 (keep 2), gloo for the CPU processes
default_hooks = dict(
    logger=dict(type='LoggerHook', interval=10),
    checkpoint=dict(type='CheckpointHook', by_epoch=False, interval=30, max_keep_ckpts=2))
env_cfg = dict(dist_cfg=dict(backend='gloo'))

train_root = 'data/csg/render/indoor_train'
val_root = 'data/csg/render/warm_val'
num_classes = 10  # the renderer's classes without 'void' (-> 255)
crop_size = (64, 64)  # OS 8 -> 8x8 stage-3/4 maps: one 1x1 tile per chunk

model = dict(
    model=dict(
        data_preprocessor=dict(size=crop_size),
        backbone=dict(depth=18, base_channels=16, init_cfg=None),  # random init
        decode_head=dict(in_channels=128, channels=32, dilations=(1, 2, 4, 6),
                         num_classes=num_classes)),
    queue_len=512)

train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='synthssl.LoadSemanticMap'),
    dict(type='RandomResize', scale=(128, 128), ratio_range=(0.75, 1.25),
         keep_ratio=True),
    dict(type='RandomCrop', crop_size=crop_size),
    dict(type='RandomFlip', prob=0.5),
    dict(type='synthssl.AddKeyView', transforms={{_base_.key_view_transforms}}),
    dict(type='synthssl.PackCSGSegInputs'),
]
val_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='synthssl.LoadSemanticMap'),
    dict(type='mmseg.PackSegInputs'),
]
train_dataloader = dict(
    batch_size=4,
    num_workers=0,
    persistent_workers=False,
    dataset=dict(
        _delete_=True,
        type='synthssl.RenderedSceneSegDataset',
        data_root=train_root,
        pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=1,
    num_workers=0,
    persistent_workers=False,
    dataset=dict(
        _delete_=True,
        type='synthssl.RenderedSceneSegDataset',
        data_root=val_root,
        pipeline=val_pipeline,
        test_mode=True))
test_dataloader = val_dataloader

val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
