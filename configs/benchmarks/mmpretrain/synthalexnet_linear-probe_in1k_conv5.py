# ImageNet linear probe on frozen conv5 (ReLU output 256 channels, resized to 6x6 = 9216 dims).
#   LAYERS=conv5 bash tools/benchmarks/mmpretrain/train_linear_probes.sh PRETRAIN_CKPT 8
_base_ = ['./synthalexnet_linear-probe_in1k_base.py']

probe_layer = 4
probe_channels = 256
probe_size = 6

model = dict(
    backbone=dict(out_indices=(probe_layer, )),
    neck=dict(in_channels=probe_channels, size=probe_size),
    head=dict(in_channels=probe_channels * probe_size * probe_size))
