# Fast R-CNN transfer of a converted synthssl AlexNet: PASCAL VOC2007 trainval -> VOC2007 test
# (Ren & Lee CVPR'18 Table 1, "07 DET"; paper: 52.6 mAP).
#
# Weights: convert a pretraining checkpoint and pass it as load_from (train_fast_rcnn.sh does
# both):
#   python tools/model_converters/export_pretrained.py CKPT OUT.pth --format caffe-alexnet-mmdet
#   bash tools/dist_train.sh THIS_CONFIG 1 --cfg-options load_from=OUT.pth
# OUT.pth holds backbone.conv{1..5}.* and roi_head.bbox_head.shared_fcs.{0,1}.* (= fc6, fc7):
# the whole converted AlexNet; only fc_cls / fc_reg start from scratch.
# Proposals: selective search ("fast" mode, <= 2000 boxes per image), computed once with
#   python tools/misc/selective_search_proposals.py data/VOCdevkit/VOC2007 trainval
#   python tools/misc/selective_search_proposals.py data/VOCdevkit/VOC2007 test
#
# Protocol ("follow deepContext practice, train longer, same input normalisation"; the authors
# gave no code): Fast R-CNN as for CaffeNet (Girshick ICCV'15) -- single scale, shorter side
# 600 (longer <= 1000), flip, 2 images x 64 RoIs per iteration (25 % foreground IoU >= 0.5,
# background IoU in [0.1, 0.5)), RoI max pooling 6x6 on conv5 (stride 16), smooth L1, SGD
# lr 1e-3 momentum 0.9 weight decay 5e-4, biases lr x2 without decay, NMS 0.3 per class.
# "Train longer": 50k iterations with the drop to 1e-4 at 40k, instead of Fast R-CNN's 40k
# (drop at 30k). All layers are fine-tuned (the self-supervised transfer protocol of
# Doersch et al. / Kraehenbuehl et al.; Fast R-CNN itself froze CaffeNet's conv1 --
# set model.backbone.frozen_stages=1 for that). The box head is mmdet's Shared2FCBBoxHead
# plus CaffeNet's dropout 0.5 after the fc6 and fc7 ReLUs (synthssl.Shared2FCDropoutBBoxHead,
# same weights and keys; model.roi_head.bbox_head.dropout=0 gives mmdet's head).
_base_ = [
    'mmdet::_base_/models/fast-rcnn_r50_fpn.py',
    'mmdet::_base_/datasets/voc0712.py',
    'mmdet::_base_/default_runtime.py',
]
custom_imports = dict(imports=['synthssl'], allow_failed_imports=False)

# Input normalisation of the converted network = the one it was pretrained with: RGB,
# x / 255 - ImageNet mean, std 1 (the authors' PyTorch transform; their Caffe evaluation used
# the same numbers, BGR mean [104, 117, 123] with input scale 1/255). Images load as BGR,
# hence bgr_to_rgb. (The pretraining fed grey images replicated to 3 channels, so the network
# is insensitive to the channel order.)
data_preprocessor = dict(
    type='DetDataPreprocessor',
    mean=[123.675, 116.28, 103.53],
    std=[255., 255., 255.],
    bgr_to_rgb=True,
    pad_size_divisor=16)

model = dict(
    type='FastRCNN',
    data_preprocessor=data_preprocessor,
    backbone=dict(
        _delete_=True,
        type='synthssl.CaffeAlexNet',
        out_indices=('conv5', ),  # (N, 256, H/16, W/16), after ReLU, before pool5
        frozen_stages=-1,
        init_cfg=None),  # load_from supplies every backbone weight
    neck=None,
    roi_head=dict(
        type='StandardRoIHead',
        bbox_roi_extractor=dict(
            # synthssl's extractor resolves registry names; torchvision's RoI max pooling runs
            # on CPU and GPU (mmcv's RoIPool is CUDA-only).
            type='synthssl.SingleRoIExtractor',
            roi_layer=dict(_delete_=True, type='synthssl.RoIPool', output_size=6),
            out_channels=256,
            featmap_strides=[16]),
        bbox_head=dict(
            type='synthssl.Shared2FCDropoutBBoxHead',
            dropout=0.5,  # CaffeNet's drop6 / drop7
            in_channels=256,
            fc_out_channels=4096,  # shared_fcs.0 = fc6 (9216 -> 4096), .1 = fc7
            roi_feat_size=6,
            num_classes=20,
            bbox_coder=dict(
                type='DeltaXYWHBBoxCoder',
                target_means=[0., 0., 0., 0.],
                target_stds=[0.1, 0.1, 0.2, 0.2]),
            reg_class_agnostic=False,
            loss_cls=dict(type='CrossEntropyLoss', use_sigmoid=False, loss_weight=1.0),
            loss_bbox=dict(type='SmoothL1Loss', beta=1.0, loss_weight=1.0))),
    train_cfg=dict(
        rcnn=dict(
            assigner=dict(
                type='MaxIoUAssigner',
                pos_iou_thr=0.5,
                neg_iou_thr=(0.1, 0.5),
                min_pos_iou=0.5,
                match_low_quality=False,
                ignore_iof_thr=-1),
            sampler=dict(
                type='RandomSampler',
                num=64,
                pos_fraction=0.25,
                neg_pos_ub=-1,
                add_gt_as_proposals=True),
            pos_weight=-1,
            debug=False)),
    test_cfg=dict(
        rcnn=dict(
            score_thr=0.05,
            nms=dict(type='nms', iou_threshold=0.3),
            max_per_img=100)))
# The backbone also owns fc6/fc7 (unused: the head's shared_fcs take their place), so DDP
# must tolerate parameters without gradients.
find_unused_parameters = True

# ---------------------------------------------------------------------------- data
dataset_type = 'VOCDataset'
data_root = 'data/VOCdevkit/'
backend_args = None
img_scale = (1000, 600)  # shorter side 600, longer side <= 1000 (Fast R-CNN, single scale)
max_proposals = 2000

train_pipeline = [
    dict(type='LoadImageFromFile', backend_args=backend_args),
    dict(type='LoadProposals', num_max_proposals=max_proposals),
    dict(type='LoadAnnotations', with_bbox=True),
    dict(
        type='ProposalBroadcaster',
        transforms=[
            dict(type='Resize', scale=img_scale, keep_ratio=True),
            dict(type='RandomFlip', prob=0.5),
        ]),
    dict(type='PackDetInputs')
]
test_pipeline = [
    dict(type='LoadImageFromFile', backend_args=backend_args),
    dict(type='LoadProposals', num_max_proposals=None),
    dict(
        type='ProposalBroadcaster',
        transforms=[dict(type='Resize', scale=img_scale, keep_ratio=True)]),
    # after the resize: ground truth stays in original coordinates for VOCMetric
    dict(type='LoadAnnotations', with_bbox=True),
    dict(
        type='PackDetInputs',
        meta_keys=('img_id', 'img_path', 'ori_shape', 'img_shape', 'scale_factor'))
]
train_dataloader = dict(
    batch_size=2,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(_delete_=True, type='InfiniteSampler', shuffle=True),
    batch_sampler=dict(type='AspectRatioBatchSampler'),
    dataset=dict(
        _delete_=True,
        type=dataset_type,
        data_root=data_root,
        ann_file='VOC2007/ImageSets/Main/trainval.txt',
        data_prefix=dict(sub_data_root='VOC2007/'),
        # one entry per listed image (mmdet matches it before filtering)
        proposal_file='VOC2007/proposals/selective_search_trainval.pkl',
        filter_cfg=dict(filter_empty_gt=True, min_size=32),
        pipeline=train_pipeline,
        backend_args=backend_args))
val_dataloader = dict(
    batch_size=1,
    num_workers=2,
    persistent_workers=True,
    drop_last=False,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        _delete_=True,
        type=dataset_type,
        data_root=data_root,
        ann_file='VOC2007/ImageSets/Main/test.txt',
        data_prefix=dict(sub_data_root='VOC2007/'),
        proposal_file='VOC2007/proposals/selective_search_test.pkl',
        test_mode=True,
        pipeline=test_pipeline,
        backend_args=backend_args))
test_dataloader = val_dataloader
# VOC2007: 11-point interpolated AP (the devkit's and Fast R-CNN's number)
val_evaluator = dict(type='VOCMetric', metric='mAP', eval_mode='11points')
test_evaluator = val_evaluator

# ---------------------------------------------------------------------------- schedule
max_iters = 50000
train_cfg = dict(
    type='IterBasedTrainLoop', max_iters=max_iters, val_interval=10000)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
param_scheduler = [
    dict(type='MultiStepLR', begin=0, end=max_iters, by_epoch=False, milestones=[40000],
         gamma=0.1)
]
# tools/train.py --amp without CUDA: bfloat16 autocast only in the convolutions and fc6/fc7
# (nearly all the FLOPs); the RPN, box coding, NMS and RoI pooling stay float32 (mmcv's CPU
# NMS is float32-only, and bfloat16 rounds box coordinates of a 500-pixel image to 2 px).
bf16_autocast_modules = ['backbone', 'roi_head.bbox_head.shared_fcs.0',
                         'roi_head.bbox_head.shared_fcs.1']
optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='SGD', lr=0.001, momentum=0.9, weight_decay=0.0005),
    paramwise_cfg=dict(bias_lr_mult=2., bias_decay_mult=0.))
# lr 1e-3 is for 2 images per iteration (1 GPU x 2), as in Fast R-CNN; with more GPUs pass
# --auto-scale-lr to train.py or keep 1 GPU.
auto_scale_lr = dict(enable=False, base_batch_size=2)

default_hooks = dict(
    logger=dict(type='LoggerHook', interval=50),
    checkpoint=dict(type='CheckpointHook', by_epoch=False, interval=10000, max_keep_ckpts=2,
                    save_best='pascal_voc/mAP', rule='greater'))
log_processor = dict(type='LogProcessor', window_size=50, by_epoch=False)
