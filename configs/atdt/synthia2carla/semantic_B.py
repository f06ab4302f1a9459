# SYNTHIA -> CARLA, 150k steps at batch 8 (stage 1's schedule). Dep.->Sem. *oracle* (not in
# the paper's Tab. 1a): the semantic network trained on B, tested on B.
_base_ = ['./semantic_AB.py']
train_dataloader = dict(dataset=dict(_base_.domain_b_train, _delete_=True))
val_dataloader = dict(dataset=dict(_base_.domain_b_val, _delete_=True))
