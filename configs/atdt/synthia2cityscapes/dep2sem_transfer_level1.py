# Paper Fig. 4 (§6.1, SYNTHIA -> Cityscapes, Dep.->Sem.): G_{1->2} between the outputs of
# residual stage 2 of 4 (ResNet-50 layer2, 512 channels) instead of the last one
# (dep2sem_transfer.py = stage 4). N1 = depth_AB.py and N2 = semantic_A.py as for the main
# result; N2's remaining stages + D2 decode G's output. G keeps the released 2048 hidden
# channels. Reported on A (validation set) and B (test set):
#   python tools/atdt/run_pipeline.py --pair synthia2cityscapes --variant level1 --test-on-a
_base_ = ['./dep2sem_transfer.py']
model = dict(
    transfer_level=1, transfer=dict(in_channels=512, out_channels=512))
