# Copyright (c) synthssl contributors.
"""Under MMSeparateDistributedDataParallel (2 CPU processes, gloo), ranks that see different
data end every step with identical B, H and D: gradients are all-reduced."""
import os

import pytest
import torch
import torch.distributed as dist
import torch.multiprocessing as mp


def _worker(rank: int, port: int, bi_fool: bool, out: str) -> None:
    os.environ.update(MASTER_ADDR='127.0.0.1', MASTER_PORT=str(port))
    torch.set_num_threads(1)
    dist.init_process_group('gloo', rank=rank, world_size=2)
    from mmengine.model import MMSeparateDistributedDataParallel

    from test_cross_domain_multitask import batch, build, optim
    model = build(bi_fool=bi_fool)  # same seed on both ranks: same initial weights
    wrapped = MMSeparateDistributedDataParallel(model, broadcast_buffers=False,
                                                find_unused_parameters=False, device_ids=None)
    wrappers = optim(model)
    parts = ('backbone', 'heads', 'discriminator')  # B, H and D
    before = {n: p.detach().clone() for n, p in model.named_parameters()}
    torch.manual_seed(100 + rank)
    for _ in range(2):
        data = batch()
        for part in (data['syn'], data['real']):  # different images on each rank
            part['inputs'] = torch.randint(0, 255, part['inputs'].shape, dtype=torch.uint8)
        wrapped.train_step(data, wrappers)
    flat = torch.cat([p.detach().flatten() for n, p in model.named_parameters()])
    gathered = [torch.empty_like(flat) for _ in range(2)]
    dist.all_gather(gathered, flat)
    # how far each part moved from the common initial weights: the updates ran
    moved = {part: max((p.detach() - before[n]).abs().max().item()
                       for n, p in model.named_parameters() if n.startswith(part + '.'))
             for part in parts}
    if rank == 0:
        torch.save(dict(diff=(gathered[0] - gathered[1]).abs().max().item(), moved=moved), out)
    dist.destroy_process_group()


@pytest.mark.parametrize('bi_fool', [False, True])
def test_parameters_stay_identical_across_ranks(bi_fool, tmp_path):
    from helpers import free_port
    out = str(tmp_path / 'result.pt')
    mp.spawn(_worker, args=(free_port(), bi_fool, out), nprocs=2, join=True)
    result = torch.load(out)
    # B, H and D all trained (identical weights would also hold if nothing had been updated)
    assert set(result['moved']) == {'backbone', 'heads', 'discriminator'}
    assert all(v > 0 for v in result['moved'].values()), result['moved']
    assert result['diff'] == 0.0
