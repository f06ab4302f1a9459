# ImageNet linear probe on frozen conv1 (ReLU output 96 channels, resized to 10x10 = 9600 dims).
#   LAYERS=conv1 bash tools/benchmarks/mmpretrain/train_linear_probes.sh PRETRAIN_CKPT 8
_base_ = ['./synthalexnet_linear-probe_in1k_base.py']

probe_layer = 0
probe_channels = 96
probe_size = 10

model = dict(
    backbone=dict(out_indices=(probe_layer, )),
    neck=dict(in_channels=probe_channels, size=probe_size),
    head=dict(in_channels=probe_channels * probe_size * probe_size))
