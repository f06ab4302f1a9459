# Table 3 ablation: the single task 'depth', no domain adaptation.
_base_ = './alexnet_3task_noda.py'
model = dict(heads=dict(tasks=('depth', )))
val_evaluator = dict(_delete_=True, type='DepthMetric')
test_evaluator = val_evaluator
