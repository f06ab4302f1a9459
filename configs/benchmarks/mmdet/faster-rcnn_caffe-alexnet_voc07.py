# Faster R-CNN with a converted synthssl AlexNet: VOC2007 trainval -> VOC2007 test, the
# convenient alternative to the Fast R-CNN protocol -- no precomputed proposals: an RPN on
# conv5 (stride 16, as Ren et al. NIPS'15 with ZF/VGG) proposes the RoIs. Same backbone, RoI
# pooling, fc6/fc7 head, input normalisation, checkpoint layout and schedule as
# fast-rcnn_caffe-alexnet_voc07.py; the RPN starts from scratch. Numbers are not comparable
# to the paper's Fast R-CNN ones.
#   bash tools/benchmarks/mmdet/train_fast_rcnn.sh PRETRAIN_CKPT THIS_CONFIG 1
_base_ = './fast-rcnn_caffe-alexnet_voc07.py'

model = dict(
    type='FasterRCNN',
    rpn_head=dict(
        type='RPNHead',
        in_channels=256,
        feat_channels=256,
        anchor_generator=dict(
            type='AnchorGenerator',
            scales=[2, 4, 8, 16, 32],  # 32 .. 512 px at stride 16
            ratios=[0.5, 1.0, 2.0],
            strides=[16]),
        bbox_coder=dict(
            type='DeltaXYWHBBoxCoder',
            target_means=[.0, .0, .0, .0],
            target_stds=[1.0, 1.0, 1.0, 1.0]),
        loss_cls=dict(type='CrossEntropyLoss', use_sigmoid=True, loss_weight=1.0),
        loss_bbox=dict(type='L1Loss', loss_weight=1.0)),
    train_cfg=dict(
        rpn=dict(
            assigner=dict(
                type='MaxIoUAssigner',
                pos_iou_thr=0.7,
                neg_iou_thr=0.3,
                min_pos_iou=0.3,
                match_low_quality=True,
                ignore_iof_thr=-1),
            sampler=dict(
                type='RandomSampler',
                num=256,
                pos_fraction=0.5,
                neg_pos_ub=-1,
                add_gt_as_proposals=False),
            allowed_border=-1,
            pos_weight=-1,
            debug=False),
        rpn_proposal=dict(
            nms_pre=12000,
            max_per_img=2000,
            nms=dict(type='nms', iou_threshold=0.7),
            min_bbox_size=0),
        # Faster R-CNN's RoI sampling: 128 per image, background IoU in [0, 0.5)
        rcnn=dict(
            assigner=dict(neg_iou_thr=0.5),
            sampler=dict(num=128))),
    test_cfg=dict(
        rpn=dict(
            nms_pre=6000,
            max_per_img=300,
            nms=dict(type='nms', iou_threshold=0.7),
            min_bbox_size=0)))

train_pipeline = [
    dict(type='LoadImageFromFile', backend_args={{_base_.backend_args}}),
    dict(type='LoadAnnotations', with_bbox=True),
    dict(type='Resize', scale={{_base_.img_scale}}, keep_ratio=True),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PackDetInputs')
]
test_pipeline = [
    dict(type='LoadImageFromFile', backend_args={{_base_.backend_args}}),
    dict(type='Resize', scale={{_base_.img_scale}}, keep_ratio=True),
    dict(type='LoadAnnotations', with_bbox=True),
    dict(
        type='PackDetInputs',
        meta_keys=('img_id', 'img_path', 'ori_shape', 'img_shape', 'scale_factor'))
]
train_dataloader = dict(dataset=dict(proposal_file=None, pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(proposal_file=None, pipeline=test_pipeline))
test_dataloader = val_dataloader
