# CSG on GTA5 -> Cityscapes with DeepLab ResNet-101.
_base_ = ['./csg_deeplab-r50-d8_gta5-to-cityscapes.py']
# torchvision IMAGENET1K_V1: https://download.pytorch.org/models/resnet101-63fe2227.pth
pretrained = 'checkpoints/resnet101-63fe2227.pth'  # or 'torchvision://resnet101'
model = dict(
    model=dict(
        backbone=dict(
            depth=101,
            init_cfg=dict(type='Pretrained', checkpoint=pretrained))))
