# Paper Tab. 5 (§6.2, SYNTHIA -> Cityscapes, Dep.->Sem.), non-shared N1: G_{1->2} is trained
# on A from N1^A's features (source_checkpoint = depth_A_nonshared.py's) to N2^A's
# (semantic_A.py); on B it is applied to N1^B's features (test_source_checkpoint =
# depth_B_nonshared.py's): D2(G(E1^B(x_B))). Validation (A) uses N1^A: D2(G(E1^A(x_A))).
#   python tools/atdt/run_pipeline.py --pair synthia2cityscapes --variant nonshared --test-on-a
# or by hand: tools/train.py THIS_CONFIG --cfg-options model.source_checkpoint=N1A.pth \
#   model.target_checkpoint=N2.pth model.test_source_checkpoint=N1B.pth
_base_ = ['./dep2sem_transfer.py']
model = dict(separate_test_source=True, test_source_checkpoint=None)
