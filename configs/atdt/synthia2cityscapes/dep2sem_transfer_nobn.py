# Paper Tab. 6 (§6.3, SYNTHIA -> Cityscapes, Dep.->Sem.): AT/DT with task networks without
# batch normalisation, N1 = depth_AB_nobn.py, N2 = semantic_A_nobn.py (G has no norm either
# way, as released). Reported on A (validation set) and B (test set):
#   python tools/atdt/run_pipeline.py --pair synthia2cityscapes --variant nobn --test-on-a
_base_ = ['./dep2sem_transfer.py']
no_norm = _base_.atdt_no_norm_cfg
model = dict(
    source=dict(
        backbone=dict(norm_cfg=dict(no_norm, _delete_=True)),
        decode_head=dict(norm_cfg=dict(no_norm, _delete_=True))),
    target=dict(
        backbone=dict(norm_cfg=dict(no_norm, _delete_=True)),
        decode_head=dict(norm_cfg=dict(no_norm, _delete_=True))))
