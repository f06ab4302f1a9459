# Table 3 ablation: the single task 'normal', no domain adaptation.
_base_ = './alexnet_3task_noda.py'
model = dict(heads=dict(tasks=('normal', )))
val_evaluator = dict(_delete_=True, type='NormalMetric')
test_evaluator = val_evaluator
