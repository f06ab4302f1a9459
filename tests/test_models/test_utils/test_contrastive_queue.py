# Copyright (c) synthssl contributors.
"""ContrastiveQueue (CSG's key queue): exact contents after wrapping around."""
import pytest
import torch

from synthssl.models.utils import ContrastiveQueue


def test_queue_wraps_around_with_exact_contents():
    q = ContrastiveQueue(length=5, dim=2)
    init = q.queue.clone()
    assert torch.allclose(init.norm(dim=1), torch.ones(5))  # random unit keys
    b = [torch.arange(6, dtype=torch.float).view(3, 2) + 10 * i for i in range(3)]
    q.enqueue(b[0])
    assert int(q.ptr) == 3
    assert torch.equal(q.queue[:3], b[0]) and torch.equal(q.queue[3:], init[3:])
    q.enqueue(b[1])  # rows 3, 4, then wraps to row 0
    assert int(q.ptr) == 1
    assert torch.equal(q.queue[3:5], b[1][:2]) and torch.equal(q.queue[0], b[1][2])
    assert torch.equal(q.queue[1:3], b[0][1:])
    q.enqueue(b[2])
    assert int(q.ptr) == 4 and int(q.num_enqueued) == 9
    assert torch.equal(q.queue[1:4], b[2])
    assert torch.equal(q.queue[0], b[1][2]) and torch.equal(q.queue[4], b[1][1])


def test_queue_keeps_newest_when_batch_exceeds_length():
    q = ContrastiveQueue(length=5, dim=1)
    q.enqueue(torch.zeros(2, 1))  # ptr 2
    keys = torch.arange(7, dtype=torch.float).view(7, 1)
    q.enqueue(keys)  # as if written one by one from row 2: keys 2..6 survive, 6 at row 3
    assert int(q.ptr) == 4  # the next write replaces the oldest survivor (key 2, row 4)
    assert q.queue.flatten().tolist() == [3., 4., 5., 6., 2.]
    with pytest.raises(ValueError, match=r'expected \(n, 1\)'):
        q.enqueue(torch.zeros(3, 2))
