# ../render-indoor2warm/depth_AB.py with ResNet-18 task networks (dilated as the ResNet-50 ones:
# OS 16, 512 channels out), the CPU schedule that reaches a plateau (docs/atdt.md, "ResNet-18
# task networks"; runs with tools/atdt/run_pipeline.py --pair render-indoor2warm_r18).
_base_ = ['../render-indoor2warm/depth_AB.py']
model = dict(backbone=dict(depth=18), decode_head=dict(in_channels=512))
