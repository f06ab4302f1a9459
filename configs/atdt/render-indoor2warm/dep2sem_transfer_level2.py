# Paper Fig. 4 (§6.1) on the rendered pair: G_{1->2} between the outputs of residual stage
# 3 of 4 (ResNet-50 layer3, 1024 channels) instead of the last one (dep2sem_transfer.py).
# N1 = depth_AB.py and N2 = semantic_A.py as for the main result; N2's remaining stages + D2
# decode G's output. Reported on A (validation set) and B (test set):
#   python tools/atdt/run_pipeline.py --pair render-indoor2warm --variant level2 --test-on-a
_base_ = ['./dep2sem_transfer.py']
model = dict(
    transfer_level=2, transfer=dict(in_channels=1024, out_channels=1024))
