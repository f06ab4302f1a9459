# CSG on GTA5 -> Cityscapes with DeepLab ResNet-101.
_base_ = ['./csg_deeplab-r50-d8_gta5-to-cityscapes.py']
pretrained = None  # path to torchvision's resnet101 .pth (or 'torchvision://resnet101')
model = dict(
    model=dict(
        backbone=dict(
            depth=101,
            init_cfg=dict(type='Pretrained', checkpoint=pretrained) if pretrained else None)))
