# Copyright (c) synthssl contributors.
"""The direction and the size of the adversarial game of Ren & Lee (§3.2, Alg. 1).

With the authors' labels (real = 1, synthetic = 0; the paper's labels are the other way
round, the same game):

* D step: ``L_D = ½ [BCE(D(z_real), 1) + BCE(D(z_syn), 0)]`` on detached features, so D
  learns to give real features a higher logit than synthetic ones;
* B+H step, D frozen: ``w_adv · BCE(D(z_syn), 1)`` — synthetic features are pushed toward
  what D calls real — and with ``bi_fool`` also ``w_adv · BCE(D(z_real), 0)`` — real
  features pushed toward what D calls synthetic (the paper's Table 3, row 9).

Each test runs one real ``train_step`` on a tiny batch, records the DA-layer (conv5)
features the backbone handed to it (a forward hook that keeps their gradients) and
compares what the step did — the gradient that reached the features, the update plain SGD
made to D — with the gradient of the objective above, computed here independently.
"""
import copy

import pytest
import torch
import torch.nn.functional as F

from synthssl.engine import MultiOptimWrapperConstructor
from synthssl.models import CrossDomainMultiTask
from synthssl.testing import demo_pretrain_batch

SIZE = 99  # conv5 5x5 -> D's patch grid 2x2; fc7 5x5 -> the decoders give 16 * 5 + 19
N = 3
ADV = 0.05  # the authors' generator-side weight
# the authors' D learning rate, small enough for a first-order step (3e-3 overshot D's
# BN-normalised loss once the default preprocessor fed RGB, 7052b19)
D_LR = 1e-3


def build(bi_fool=False):
    torch.manual_seed(0)
    model = CrossDomainMultiTask(
        backbone=dict(type='synthssl.SynthAlexNet'),
        heads=dict(type='synthssl.MultiTaskDeconvHead', tasks=('depth', ),
                   decoder=dict(mid_channels=8)),
        discriminator=dict(type='synthssl.PatchDiscriminator', mid_channels=16),
        adv_weight=ADV, bi_fool=bi_fool, pool_size=0)  # no pool: D sees this batch
    model.init_weights()
    return model


def optim(model):
    """Plain SGD (no momentum, no weight decay) on both sides: an update is -lr * grad."""
    return MultiOptimWrapperConstructor(dict(
        generator=dict(type='OptimWrapper', modules=['backbone', 'heads'],
                       optimizer=dict(type='SGD', lr=1e-3)),
        discriminator=dict(type='OptimWrapper',
                           optimizer=dict(type='SGD', lr=D_LR))))(model)


def batch():
    return demo_pretrain_batch(N, SIZE, real=True, seed=3)


def bce(logits, target):
    """-mean[t log σ(x) + (1 - t) log(1 - σ(x))], written out (not the model's helper)."""
    return -(target * F.logsigmoid(logits) + (1 - target) * F.logsigmoid(-logits)).mean()


class FeatureTap:
    """Keeps the DA-layer features the backbone returns inside ``train_step``: the first
    call is the synthetic batch, the second the real one; their gradients are retained."""

    def __init__(self, backbone):
        self.feats = []
        backbone.register_forward_hook(self)

    def __call__(self, module, args, output):
        z = output[0]
        if z.requires_grad:
            z.retain_grad()
        self.feats.append(z)


def grad_of(fn, z):
    z = z.detach().requires_grad_()
    return torch.autograd.grad(fn(z), z)[0]


def p_real(disc, z):
    """D's mean probability that the features are real."""
    with torch.no_grad():
        return torch.sigmoid(disc(z)).mean().item()


def step_against(z, g, frac=0.02):
    """A small step against the gradient, 2 % of the features' norm."""
    return (z - frac * z.norm() / g.norm() * g).detach()


def train_one_step(bi_fool=False, task_weight=0.):
    model = build(bi_fool)
    # task_weight 0: only the adversarial term sends a gradient to conv5
    model.heads.losses['depth'].loss_weight = task_weight
    d0 = copy.deepcopy(model.discriminator)
    tap = FeatureTap(model.backbone)
    log = model.train_step(batch(), optim(model))
    assert len(tap.feats) == 2
    return model, d0, tap.feats, log


def test_discriminator_step_descends_its_loss_and_separates_real_from_synthetic():
    """D's update is -lr · ∇ ½[BCE(D(z_real), 1) + BCE(D(z_syn), 0)] at its old weights, and
    afterwards D scores the same real features higher, the synthetic ones lower."""
    model, d0, (z_syn, z_real), log = train_one_step()
    z_syn, z_real = z_syn.detach(), z_real.detach()

    def loss_d(disc):
        return 0.5 * (bce(disc(z_real), 1.) + bce(disc(z_syn), 0.))

    before = loss_d(d0)
    grads = torch.autograd.grad(before, list(d0.parameters()))
    assert max(g.abs().max() for g in grads) > 1e-3
    for (name, p1), p0, g in zip(model.discriminator.named_parameters(), d0.parameters(),
                                 grads):
        # atol: float32 rounding of the BN weights (~1) after the step
        torch.testing.assert_close(p1.detach() - p0.detach(), -D_LR * g, rtol=1e-3,
                                   atol=1e-7, msg=lambda m: f'D update of {name}: {m}')

    with torch.no_grad():
        def separation(disc):
            return (disc(z_real).mean() - disc(z_syn).mean()).item()

        assert loss_d(model.discriminator).item() < before.item()
        assert separation(model.discriminator) > separation(d0)
        assert p_real(model.discriminator, z_real) > p_real(d0, z_real)
        assert p_real(model.discriminator, z_syn) < p_real(d0, z_syn)
        # the logs use the same convention: real = positive logit
        assert log['loss_d'].item() == pytest.approx(before.item(), rel=1e-5)
        assert log['acc_d_real'].item() == pytest.approx(
            100 * (d0(z_real) > 0).float().mean().item())
        assert log['acc_d_syn'].item() == pytest.approx(
            100 * (d0(z_syn) < 0).float().mean().item())


def test_generator_pushes_synthetic_features_toward_real():
    """∂L_BH/∂z_syn = w_adv · ∂BCE(D(z_syn), 1)/∂z_syn with the D of this iteration (after
    its step, frozen), so a step against it makes D call the synthetic features more real;
    without bi_fool the real features get no generator gradient."""
    model, _, (z_syn, z_real), log = train_one_step()
    disc = model.discriminator  # the G step ran with D's updated weights
    assert z_syn.grad is not None
    expected = grad_of(lambda z: ADV * bce(disc(z), 1.), z_syn)
    torch.testing.assert_close(z_syn.grad, expected, rtol=1e-4, atol=1e-9)

    z = z_syn.detach()
    assert p_real(disc, step_against(z, z_syn.grad)) > p_real(disc, z)
    # (and a step along it the other way round)
    assert p_real(disc, step_against(z, -z_syn.grad)) < p_real(disc, z)
    with torch.no_grad():
        assert log['loss_adv'].item() == pytest.approx(ADV * bce(disc(z), 1.).item(), rel=1e-5)
    assert not z_real.requires_grad  # real images reach B only through bi-fool's loss


def test_bi_fool_also_pushes_real_features_toward_synthetic():
    """With bi_fool, L_BH gains w_adv · BCE(D(z_real), 0): real features get its gradient
    (a step against it makes D call them less real), synthetic ones keep theirs."""
    model, _, (z_syn, z_real), log = train_one_step(bi_fool=True)
    disc = model.discriminator
    assert z_real.grad is not None and z_real.grad.abs().max() > 0
    torch.testing.assert_close(z_real.grad,
                               grad_of(lambda z: ADV * bce(disc(z), 0.), z_real),
                               rtol=1e-4, atol=1e-9)
    torch.testing.assert_close(z_syn.grad,
                               grad_of(lambda z: ADV * bce(disc(z), 1.), z_syn),
                               rtol=1e-4, atol=1e-9)
    zr, zs = z_real.detach(), z_syn.detach()
    assert p_real(disc, step_against(zr, z_real.grad)) < p_real(disc, zr)
    assert p_real(disc, step_against(zs, z_syn.grad)) > p_real(disc, zs)
    with torch.no_grad():
        expected = ADV * (bce(disc(zs), 1.) + bce(disc(zr), 0.))
    assert log['loss_adv'].item() == pytest.approx(expected.item(), rel=1e-5)


def test_generator_loss_adds_the_adversarial_term_to_the_task_losses():
    """loss = Σ task losses + w_adv · BCE(D(z_syn), 1), also when the task losses are on."""
    model, _, (z_syn, _), log = train_one_step(task_weight=1.)
    disc = model.discriminator
    with torch.no_grad():
        adv = ADV * bce(disc(z_syn.detach()), 1.)
    assert log['loss_adv'].item() == pytest.approx(adv.item(), rel=1e-5)
    assert log['loss'].item() == pytest.approx(log['loss_depth'].item() + adv.item(),
                                               rel=1e-5)
