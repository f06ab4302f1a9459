# AT/DT Sem.->Dep., A = SYNTHIA-SF, B = CARLA (paper Tab. 2a), stages 3 and 4 (see
# dep2sem_transfer.py): G maps the semantic encoder's features (N1^{A u B},
# semantic_AB.py) to the depth encoder's (N2^A, depth_A.py); stage 4 reports the depth
# metrics of D2(G(E1(x_B))) on B.
_base_ = ['./dep2sem_transfer.py']
model = dict(
    source=dict(_base_.semantic_net, _delete_=True),
    target=dict(_base_.depth_net, _delete_=True))
val_evaluator = dict(_base_.depth_metric, _delete_=True)
# The released evaluation scales depth predicted on B by a network trained on A by
# f_ratio = focal(B) / focal(A) = 859.238 / 847.63 (CARLA / SYNTHIA, native resolution).
test_evaluator = dict(val_evaluator, pred_scale=859.238 / 847.63)
