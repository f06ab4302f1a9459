# Alias of configs/renlee/alexnet_3task.py (Ren & Lee's configs live in configs/renlee/).
# Kept because `python tools/train.py configs/synthssl/alexnet_3task.py` is the command users
# were given for the paper's model; it resolves to exactly the same config (and the same
# default work dir, work_dirs/alexnet_3task). New configs go to configs/renlee/.
_base_ = '../renlee/alexnet_3task.py'
