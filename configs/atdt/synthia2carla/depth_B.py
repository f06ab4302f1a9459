# SYNTHIA -> CARLA, 150k steps at batch 8 (stage 1's schedule). Sem.->Dep. *oracle* (not in
# the paper's Tab. 2a): the depth network trained on B, tested on B.
_base_ = ['./depth_AB.py']
train_dataloader = dict(dataset=dict(_base_.domain_b_train, _delete_=True))
val_dataloader = dict(dataset=dict(_base_.domain_b_val, _delete_=True))
