# NYU Depth v2 surface-normal estimation by fine-tuning the pretrained VGG16 network (Ren &
# Lee, CVPR 2018, §4.5 / Table 6): an FCN with skip connections (FCN-8s-style fusion of
# conv3_3, conv4_3, conv5_3; synthssl.FCNNormalHead) on SynthVGG16 initialised from the
# backbone of a configs/renlee/vgg16_3task.py checkpoint, trained with the negative dot
# product loss (NormalDotLoss) on the 795 training images, evaluated on the 654 test images:
# mean / median / RMSE angular error and % of valid pixels within 11.25, 22.5, 30 degrees.
# The paper gives no fine-tuning schedule: Adam 1e-4 (0.9, 0.999) on everything, batch 8,
# 20k iterations (~200 epochs), lr x0.1 after 15k; evaluation once at the end.
#
# PRETRAINED: the pretraining checkpoint (runner checkpoint of vgg16_3task.py: the backbone's
# weights are taken from its 'backbone.' keys). Set it here or on the command line:
#   python tools/dataset_converters/nyud_normals.py --labeled-mat ... --splits ... \
#       --normals ... --out data/nyud_normals
#   python tools/train.py configs/benchmarks/nyud/vgg16_fcn_nyud-normals.py \
#       --cfg-options model.backbone.init_cfg.checkpoint=work_dirs/vgg16_3task/iter_134000.pth
#   python tools/test.py configs/benchmarks/nyud/vgg16_fcn_nyud-normals.py \
#       work_dirs/vgg16_fcn_nyud-normals/iter_20000.pth
_base_ = [
    '../../_base_/datasets/nyud_normals.py',
    '../../_base_/default_runtime.py',
]
PRETRAINED = ''

model = dict(
    type='DenseNormalEstimator',
    # norm_cfg must match the pretraining backbone (vgg16_3task.py: BN after every conv)
    backbone=dict(
        type='SynthVGG16',
        out_indices=('conv3_3', 'conv4_3', 'conv5_3'),
        norm_cfg=dict(type='BN'),
        init_cfg=dict(type='Pretrained', checkpoint=PRETRAINED, prefix='backbone.')),
    head=dict(
        type='FCNNormalHead',
        in_channels=(256, 512, 512),
        channels=256,
        num_convs=1,
        loss=dict(type='NormalDotLoss')),
    # the pretraining normalisation: RGB / 255 - ImageNet mean, std 1 (images loaded as BGR)
    data_preprocessor=dict(
        type='ImgDataPreprocessor',
        mean=[123.675, 116.28, 103.53],
        std=[255., 255., 255.],
        bgr_to_rgb=True))

optim_wrapper = dict(type='OptimWrapper',
                     optimizer=dict(type='Adam', lr=1e-4, betas=(0.9, 0.999)))
max_iters = 20000
param_scheduler = [dict(type='MultiStepLR', by_epoch=False, milestones=[15000], gamma=0.1)]
train_cfg = dict(type='IterBasedTrainLoop', max_iters=max_iters, val_interval=max_iters)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
default_hooks = dict(
    logger=dict(type='LoggerHook', interval=50),
    checkpoint=dict(type='CheckpointHook', by_epoch=False, interval=5000, max_keep_ckpts=2))
auto_scale_lr = dict(base_batch_size=8, enable=False)
