# Ren & Lee's VGG16 network (appendix table "VGG16"): SynthVGG16 base conv1_1-conv5_3 (B,
# no bottleneck), per task a skip-connection deconvolution head (H) on conv5_3 with skips
# conv4_3 -> Deconv2, conv3_3 -> Deconv3, conv2_2 -> Deconv4, and a patch discriminator (D,
# 4x4/2 -> 1x1 -> 1x1, 1024 wide, LeakyReLU + BN) on pre-ReLU conv5_3. Everything else
# (loss weights normal 10, depth 5, contour 50, adv 0.05; data preprocessor; DDP wrapper) as
# for the AlexNet network.
_base_ = './alexnet_3task.py'
model = dict(
    # BN after every conv as in the authors' AlexNet-BN (training from scratch; the table
    # lists no norm layers for either network). norm_cfg=None: plain VGG16.
    backbone=dict(type='SynthVGG16', norm_cfg=dict(type='BN')),
    heads=dict(
        in_channels=512,
        decoder=dict(type='SkipDeconvDecoder', skip_channels=(512, 256, 128),
                     channels=(512, 256, 128, 64), merge='concat')),
    discriminator=dict(kernel_size=4, mid_channels=1024),
    da_layer='conv5_3',
    head_layer=('conv5_3', 'conv4_3', 'conv3_3', 'conv2_2'))
