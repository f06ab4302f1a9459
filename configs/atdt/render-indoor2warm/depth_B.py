# Sem.->Dep. *oracle*: the depth network trained on B (the depth labels AT/DT does not use),
# tested on B.
_base_ = ['./depth_AB.py']
train_dataloader = dict(dataset=dict(_base_.domain_b_train, _delete_=True))
val_dataloader = dict(dataset=dict(_base_.domain_b_val, _delete_=True))
