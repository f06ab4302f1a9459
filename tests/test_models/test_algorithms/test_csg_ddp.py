# Copyright (c) synthssl contributors.
"""CSG under DDP (2 CPU processes, gloo): the queues gather the keys of both ranks, and
ranks that see different images end every step with identical weights and queues."""
import os

import torch
import torch.distributed as dist
import torch.multiprocessing as mp
import torch.nn.functional as F

BATCH = 2


def _own_keys(model, batch):
    """The keys this rank should enqueue at the first step (key MLP = query MLP then)."""
    from synthssl.models.utils import attention_pool
    data = model.data_preprocessor(batch, True)
    k_img = data['inputs'][1]
    with torch.no_grad():
        f_t, f_s = model.teacher(k_img), model.model.backbone(k_img)
        return {s: F.normalize(model.mlp_q[f'stage{s}'](attention_pool(f_t[p], f_s[p])), dim=1)
                for s, p in zip(model.stages, model._positions)}


def _worker(rank: int, port: int, out: str) -> None:
    os.environ.update(MASTER_ADDR='127.0.0.1', MASTER_PORT=str(port))
    torch.set_num_threads(1)
    dist.init_process_group('gloo', rank=rank, world_size=2)
    from mmengine.model import MMDistributedDataParallel

    from csg_helpers import build_csg, cls_batch, sgd
    model = build_csg('cls').train()  # same seed on both ranks
    wrapped = MMDistributedDataParallel(model, device_ids=None, broadcast_buffers=False)
    optim = sgd(model)
    before = {n: p.detach().clone() for n, p in model.model.named_parameters()}
    batch = cls_batch(n=BATCH, seed=10 + rank)  # different images on each rank
    expected = _own_keys(model, batch)
    wrapped.train_step(batch, optim)
    result = {}
    for s, keys in expected.items():
        both = [torch.empty_like(keys) for _ in range(2)]
        dist.all_gather(both, keys)
        queue = model.queues[f'stage{s}']
        result[f'ptr{s}'] = int(queue.ptr)
        result[f'err{s}'] = (queue.queue[:2 * BATCH] - torch.cat(both)).abs().max().item()
        result[f'ranks_differ{s}'] = (both[0] - both[1]).abs().max().item()
    wrapped.train_step(cls_batch(n=BATCH, seed=20 + rank), optim)
    flat = torch.cat([v.detach().float().flatten() for v in model.state_dict().values()])
    gathered = [torch.empty_like(flat) for _ in range(2)]
    dist.all_gather(gathered, flat)
    result['diff'] = (gathered[0] - gathered[1]).abs().max().item()
    # the student (backbone, head) trained: identical weights would also hold if it had not
    result['moved'] = max((p.detach() - before[n]).abs().max().item()
                          for n, p in model.model.named_parameters())
    result['ptr_after_2'] = int(model.queues.stage3.ptr)
    if rank == 0:
        torch.save(result, out)
    dist.destroy_process_group()


def test_queue_gathers_keys_of_both_ranks_and_weights_stay_identical(tmp_path):
    from helpers import free_port
    out = str(tmp_path / 'result.pt')
    mp.spawn(_worker, args=(free_port(), out), nprocs=2, join=True)
    r = torch.load(out)
    for s in (3, 4):
        assert r[f'ptr{s}'] == 2 * BATCH  # 2 ranks x per-rank batch after one step
        assert r[f'err{s}'] < 1e-5  # rows = rank 0's keys, then rank 1's
        assert r[f'ranks_differ{s}'] > 1e-3  # ... which are different keys
    assert r['ptr_after_2'] == 4 * BATCH
    assert r['diff'] == 0.0  # weights, EMA key MLPs, teachers and queues
    assert r['moved'] > 0  # ... after real updates of the student
