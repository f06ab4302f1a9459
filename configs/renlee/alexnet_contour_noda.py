# Table 3 ablation: the single task 'contour', no domain adaptation.
_base_ = './alexnet_3task_noda.py'
model = dict(heads=dict(tasks=('contour', )))
val_evaluator = dict(_delete_=True, type='ContourMetric')
test_evaluator = val_evaluator
