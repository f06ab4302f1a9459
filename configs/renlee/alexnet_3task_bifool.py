# Table 3 ablation: "bi-fool": the B+H update also pushes real conv5 features to look
# synthetic.
_base_ = './alexnet_3task.py'
model = dict(bi_fool=True)
