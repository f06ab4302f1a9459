# Table 3 ablation: domain adaptation on fc6 (the paper's "conv6") instead of conv5.
_base_ = './alexnet_3task.py'
model = dict(da_layer='fc6')
