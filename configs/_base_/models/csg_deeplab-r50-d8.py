# CSG (Chen et al., ICLR 2021) around an mmseg DeepLab for GTA5 -> Cityscapes, as the released
# train_seg.sh: ResNet-50 with output stride 8 (layer3 dilation 2, layer4 dilation 4, first
# blocks contracted to 1 and 2, as model/deeplab.py), an ASPP head (dilations 12/24/36 plus
# a 1x1 and an image-pool branch), dense CSG on stages 3 and 4 with 8x8 chunks, λ = 75.
# ImageNet weights: torchvision's resnet50/resnet101 state dicts load into mmseg's ResNet
# (not ResNetV1c, whose deep stem differs) by key. Download IMAGENET1K_V1 (the authors'
# pretrained=True) from https://download.pytorch.org/models/resnet50-0676ba61.pth into
# checkpoints/, or set 'torchvision://resnet50' (mmengine downloads it). A missing file stops
# training with an error naming it: CSG without ImageNet weights is not the method.
pretrained = 'checkpoints/resnet50-0676ba61.pth'
num_classes = 19
# Backbone BN frozen like deeplab.py (requires_grad=False on all backbone BN parameters);
# CSG's freeze_bn keeps their running statistics, the head's BN trains (fc_new.train()).
backbone_norm_cfg = dict(type='BN', requires_grad=False)
head_norm_cfg = dict(type='BN', requires_grad=True)

data_preprocessor = dict(
    type='mmseg.SegDataPreProcessor',
    mean=[123.675, 116.28, 103.53],
    std=[58.395, 57.12, 57.375],
    bgr_to_rgb=True,
    pad_val=0,
    seg_pad_val=255,
    size=(512, 512))  # pad training crops to 512 (image 0, label 255), as the authors

model = dict(
    type='synthssl.CSG',
    model=dict(
        type='mmseg.EncoderDecoder',
        data_preprocessor=data_preprocessor,
        backbone=dict(
            type='mmseg.ResNet',
            depth=50,
            num_stages=4,
            out_indices=(2, 3),
            strides=(1, 2, 1, 1),
            dilations=(1, 1, 2, 4),
            contract_dilation=True,
            style='pytorch',
            norm_cfg=backbone_norm_cfg,
            norm_eval=True,
            init_cfg=dict(type='Pretrained', checkpoint=pretrained)),
        decode_head=dict(
            type='mmseg.ASPPHead',
            in_channels=2048,
            in_index=1,  # layer4 (out_indices position)
            channels=256,
            dilations=(1, 12, 24, 36),
            dropout_ratio=0.1,
            num_classes=num_classes,
            norm_cfg=head_norm_cfg,
            align_corners=True,  # the authors upsample logits with align_corners=True
            loss_decode=dict(
                type='mmseg.CrossEntropyLoss',
                use_sigmoid=False,
                loss_weight=1.0,
                avg_non_ignore=True)),  # = nn.CrossEntropyLoss(ignore_index=255)
        train_cfg=dict(),
        test_cfg=dict(mode='whole')),
    stages=(3, 4),
    proj_dim=128,
    queue_len=65536,
    momentum=0.999,
    pool='apool',
    chunks=8,
    loss_nce=dict(type='synthssl.InfoNCELoss', temperature=0.07, loss_weight=75.0),
    freeze_bn=True)
