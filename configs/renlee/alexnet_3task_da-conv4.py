# Table 3 ablation: domain adaptation on conv4 instead of conv5.
_base_ = './alexnet_3task.py'
model = dict(da_layer='conv4')
