# AT/DT Sem.->Dep., A = CARLA, B = Cityscapes (paper Tab. 2b), stages 3 and 4 (see
# dep2sem_transfer.py): G maps the semantic encoder's features (N1^{A u B},
# semantic_AB.py) to the depth encoder's (N2^A, depth_A.py); stage 4 reports the depth
# metrics of D2(G(E1(x_B))) on B.
_base_ = ['./dep2sem_transfer.py']
model = dict(
    source=dict(_base_.semantic_net, _delete_=True),
    target=dict(_base_.depth_net, _delete_=True))
val_evaluator = dict(_base_.depth_metric, _delete_=True)
# The released evaluation scales depth predicted on B by a network trained on A by
# f_ratio = focal(B) / focal(A) = 2262.52 / 859.238 (Cityscapes / CARLA, native resolution);
# set pred_scale=1 if the data config feeds other resolutions.
test_evaluator = dict(val_evaluator, pred_scale=2262.52 / 859.238)
