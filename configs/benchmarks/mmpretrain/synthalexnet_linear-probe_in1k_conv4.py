# ImageNet linear probe on frozen conv4 (ReLU output 384 channels, resized to 5x5 = 9600 dims).
#   LAYERS=conv4 bash tools/benchmarks/mmpretrain/train_linear_probes.sh PRETRAIN_CKPT 8
_base_ = ['./synthalexnet_linear-probe_in1k_base.py']

probe_layer = 3
probe_channels = 384
probe_size = 5

model = dict(
    backbone=dict(out_indices=(probe_layer, )),
    neck=dict(in_channels=probe_channels, size=probe_size),
    head=dict(in_channels=probe_channels * probe_size * probe_size))
