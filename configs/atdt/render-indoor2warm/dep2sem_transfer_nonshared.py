# Paper Tab. 5 (§6.2) on the rendered pair, non-shared N1: G_{1->2} is trained on A from N1^A's
# features (source_checkpoint = depth_A_nonshared.py's) to N2^A's (semantic_A.py); on B it is
# applied to N1^B's features (test_source_checkpoint = depth_B_nonshared.py's). Validation
# (A) uses N1^A.
#   python tools/atdt/run_pipeline.py --pair render-indoor2warm --variant nonshared --test-on-a
_base_ = ['./dep2sem_transfer.py']
model = dict(separate_test_source=True, test_source_checkpoint=None)
