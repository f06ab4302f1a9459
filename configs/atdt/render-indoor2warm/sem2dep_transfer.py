# AT/DT Sem.->Dep. on the rendered pair, stages 3 and 4 (see dep2sem_transfer.py): G maps
# the semantic encoder's features (N1^{A u B}, semantic_AB.py) to the depth encoder's
# (N2^A, depth_A.py); stage 4 reports the depth metrics of D2(G(E1(x_B))) on B.
_base_ = ['./dep2sem_transfer.py']
model = dict(
    source=dict(_base_.semantic_net, _delete_=True),
    target=dict(_base_.depth_net, _delete_=True))
val_evaluator = dict(_base_.depth_metric, _delete_=True)
test_evaluator = val_evaluator
