# Ren & Lee's VGG16 network (appendix table "VGG16"): SynthVGG16 base conv1_1-conv5_3 (B,
# no bottleneck), per task a skip-connection deconvolution head (H) on conv5_3 with skips
# conv4_3 -> Deconv2, conv3_3 -> Deconv3, conv2_2 -> Deconv4, and a patch discriminator (D,
# 4x4/2 -> 1x1 -> 1x1, 1024 wide, LeakyReLU + BN) on pre-ReLU conv5_3. Loss weights as for
# AlexNet: normal 10, depth 5, contour 1, adv 0.05.
model = dict(
    type='CrossDomainMultiTask',
    # BN after every conv as in the authors' AlexNet-BN (training from scratch; the table
    # lists no norm layers for either network). norm_cfg=None: plain VGG16.
    backbone=dict(type='SynthVGG16', norm_cfg=dict(type='BN')),
    heads=dict(
        type='MultiTaskDeconvHead',
        tasks=('normal', 'depth', 'contour'),
        in_channels=512,
        decoder=dict(type='SkipDeconvDecoder', skip_channels=(512, 256, 128),
                     channels=(512, 256, 128, 64), merge='concat')),
    discriminator=dict(type='PatchDiscriminator', kernel_size=4, mid_channels=1024),
    da_layer='conv5_3',
    da_tap='pre',
    head_layer=('conv5_3', 'conv4_3', 'conv3_3', 'conv2_2'),
    adv_weight=0.05,
    bi_fool=False,
    pool_size=0,
    data_preprocessor=dict(
        type='SynRealDataPreprocessor',
        mean=[123.675, 116.28, 103.53],
        std=[255., 255., 255.],
        bgr_to_rgb=True))
model_wrapper_cfg = dict(
    type='MMSeparateDistributedDataParallel',
    broadcast_buffers=False,
    find_unused_parameters=False)
