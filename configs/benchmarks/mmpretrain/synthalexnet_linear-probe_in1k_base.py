# ImageNet linear probes on frozen conv1..conv5 (Ren & Lee, CVPR 2018, Table 4), following
# Zhang et al.'s colorization "linear" tests as the authors did: each layer's ReLU output is
# bilinearly resized (conv1 10x10, conv2 6x6, conv3/conv4 5x5, conv5 6x6), flattened,
# normalised by a BatchNorm without affine, and fed to a 1000-way linear classifier; batch
# 64, random 227 crop + mirror. One config per layer: ..._conv{1..5}.py.
#
# Backbone: the pretrained BN SynthAlexNet itself (frozen, BN in eval), from the
# ``--format backbone`` export. The authors probed their converted, rescaled Caffe model;
# its conv1..conv5 features equal SynthAlexNet's exactly up to one positive factor per layer
# (BN folding is exact, Krähenbühl rescaling multiplies each layer's output by a constant,
# tests/test_benchmarks/test_export_pretrained.py), and the affine-free BatchNorm removes
# such a factor, so the probes are the same without the conversion.
#
# The authors give no optimiser settings for the probes; we use SGD lr 0.01, momentum 0.9,
# wd 5e-4, x0.1 at epochs 10 and 20 of 30 (an mmpretrain-style step schedule).
_base_ = ['mmpretrain::_base_/default_runtime.py']

default_scope = 'mmpretrain'
custom_imports = dict(imports=['synthssl'], allow_failed_imports=False)

# overridden per layer: stage index, channels, resize side
probe_layer = 4
probe_channels = 256
probe_size = 6
num_classes = 1000
data_root = 'data/imagenet'

model = dict(
    type='ImageClassifier',
    backbone=dict(
        type='synthssl.SynthAlexNet',
        out_indices=(probe_layer, ),
        tap='post',
        # every stage frozen (also the unused ones: DDP rejects parameters without grads)
        frozen_stages=7,
        norm_eval=True,
        init_cfg=dict(type='Pretrained', checkpoint='')),
    neck=dict(
        type='synthssl.ResizeFlattenNeck',
        in_channels=probe_channels,
        size=probe_size,
        with_bn=True),
    head=dict(
        type='LinearClsHead',
        num_classes=num_classes,
        in_channels=probe_channels * probe_size * probe_size,
        loss=dict(type='CrossEntropyLoss', loss_weight=1.0),
        topk=(1, 5),
        init_cfg=dict(type='Normal', layer='Linear', std=0.01, bias=0.)))

data_preprocessor = dict(
    num_classes=num_classes,
    # the pretraining's normalisation: RGB / 255 - ImageNet mean
    mean=[123.675, 116.28, 103.53],
    std=[255., 255., 255.],
    to_rgb=True)

train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='ResizeEdge', scale=256, edge='short'),
    dict(type='RandomCrop', crop_size=227),
    dict(type='RandomFlip', prob=0.5, direction='horizontal'),
    dict(type='PackInputs'),
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='ResizeEdge', scale=256, edge='short'),
    dict(type='CenterCrop', crop_size=227),
    dict(type='PackInputs'),
]

train_dataloader = dict(
    batch_size=64,
    num_workers=8,
    dataset=dict(type='ImageNet', data_root=data_root, split='train',
                 pipeline=train_pipeline),
    sampler=dict(type='DefaultSampler', shuffle=True))
val_dataloader = dict(
    batch_size=64,
    num_workers=8,
    dataset=dict(type='ImageNet', data_root=data_root, split='val', pipeline=test_pipeline),
    sampler=dict(type='DefaultSampler', shuffle=False))
test_dataloader = val_dataloader
val_evaluator = dict(type='Accuracy', topk=(1, 5))
test_evaluator = val_evaluator

optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='SGD', lr=0.01, momentum=0.9, weight_decay=5e-4))
param_scheduler = [dict(type='MultiStepLR', by_epoch=True, milestones=[10, 20], gamma=0.1)]
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=30, val_interval=1)
val_cfg = dict()
test_cfg = dict()

default_hooks = dict(
    logger=dict(type='LoggerHook', interval=100),
    checkpoint=dict(type='CheckpointHook', interval=1, max_keep_ckpts=2,
                    save_best='accuracy/top1', rule='greater'))
randomness = dict(seed=0, deterministic=False)
auto_scale_lr = dict(base_batch_size=64)
