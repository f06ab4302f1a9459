# CSG (Chen et al., ICLR 2021) around an mmpretrain ResNet-101 classifier for VisDA-17, as
# the released train.sh: A-pool, stages 3 and 4 (layer3/layer4), λ = 0.1, K = 65536, τ = 0.07,
# EMA m = 0.999 on the key MLP only, frozen teacher = the initial (ImageNet) backbone.
# ImageNet weights: torchvision's resnet101 state dict loads into mmpretrain's ResNet by key
# (only torchvision's fc.* is reported unexpected). Download IMAGENET1K_V1 (the authors'
# pretrained=True) from https://download.pytorch.org/models/resnet101-63fe2227.pth into
# checkpoints/, or set 'torchvision://resnet101' (mmengine downloads it). A missing file stops
# training with an error naming it: CSG without ImageNet weights is not the method.
pretrained = 'checkpoints/resnet101-63fe2227.pth'
num_classes = 12

model = dict(
    type='synthssl.CSG',
    model=dict(
        type='mmpretrain.ImageClassifier',
        data_preprocessor=dict(
            type='mmpretrain.ClsDataPreprocessor',
            num_classes=num_classes,
            mean=[123.675, 116.28, 103.53],
            std=[58.395, 57.12, 57.375],
            to_rgb=True),
        backbone=dict(
            type='mmpretrain.ResNet',
            depth=101,
            out_indices=(2, 3),  # layer3 (1024 ch) and layer4 (2048 ch) for CSG
            style='pytorch',
            init_cfg=dict(type='Pretrained', checkpoint=pretrained)),
        neck=dict(type='mmpretrain.GlobalAveragePooling'),
        # The authors' fc_new = Linear(2048, 512) - ReLU - Linear(512, 12) on layer4's GAP.
        head=dict(
            type='mmpretrain.StackedLinearClsHead',
            num_classes=num_classes,
            in_channels=2048,
            mid_channels=[512],
            dropout_rate=0.,
            norm_cfg=None,
            act_cfg=dict(type='ReLU'),
            loss=dict(type='mmpretrain.CrossEntropyLoss', loss_weight=1.0),
            topk=(1, ))),
    stages=(3, 4),
    proj_dim=128,
    queue_len=65536,
    momentum=0.999,
    pool='apool',
    chunks=1,
    loss_nce=dict(type='synthssl.InfoNCELoss', temperature=0.07, loss_weight=0.1),
    freeze_bn=True,  # the authors train under model.eval(): ImageNet BN statistics kept
    # VisDA scoring of the released code: (σ(logits(x)) + σ(logits(flip x))) / 2
    test_cfg=dict(flip=True, score='sigmoid'))
