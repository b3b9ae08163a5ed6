"""The VIB with a neural estimate of I(X;Z): gradient reversal, the objective's gradients, bad input."""

import pytest
import torch

from ibcourse import mine_ib, models, neural_mi, schedules, training, vib


def test_reverse_gradient_is_the_identity_forward_and_minus_scale_backward():
    z = torch.randn(2, 3, 4, requires_grad=True)
    out = mine_ib.reverse_gradient(z, torch.tensor([0.5, 2.0])[:, None, None])
    assert torch.equal(out, z)
    out.sum().backward()
    assert torch.allclose(z.grad, torch.tensor([-0.5, -2.0])[:, None, None].expand(2, 3, 4))


def small(members=2, kind_seeds=(0, 1)):
    torch.manual_seed(0)
    model = vib.VIBEnsemble(6, 3, 2, (8,), seeds=list(range(members)))
    critic = neural_mi.SeparableCritic(6, 2, hidden=(8,), embed=4, seeds=list(kind_seeds[:members]))
    return mine_ib.MineIB(model, critic)


def test_the_critic_ascends_the_bound_and_the_encoder_descends_beta_times_it():
    model = small()
    x, y = torch.randn(16, 6), torch.randint(0, 3, (16,))
    betas = [0.25, 4.0]
    torch.manual_seed(1)
    parts = mine_ib.mine_ib_objective([schedules.Constant(b) for b in betas])(model, x, y, 1)
    parts["loss"].backward()
    critic_grads = [p.grad.clone() for p in model.critic.parameters()]
    encoder_grads = [p.grad.clone() for p in model.vib.encoder.parameters()]
    model.zero_grad()
    torch.manual_seed(1)  # the same draws of z, now the plain bound
    mean, std = model.vib.encode(x)
    z = vib.reparameterise(mean, std, torch.randn_like(mean))
    bound = neural_mi.information_bound(model.critic, x, z, "infonce")
    ce = models.ensemble_cross_entropy(model.vib.decoder(z), y)
    (ce + torch.tensor(betas) * bound).sum().backward(retain_graph=True)
    for got, p in zip(encoder_grads, model.vib.encoder.parameters()):
        assert torch.allclose(got, p.grad, atol=1e-5)  # the encoder: CE + beta * the bound
    model.zero_grad()
    bound.sum().backward()
    for got, p in zip(critic_grads, model.critic.parameters()):
        assert torch.allclose(got, -p.grad, atol=1e-5)  # the critic: - grad of the bound (it ascends)
    assert torch.allclose(parts["objective"], parts["cross_entropy"] + torch.tensor(betas) * parts["critic_bound"])


def test_training_runs_and_logs_the_bound_in_bits():
    model = small()
    x, y = torch.randn(64, 6), torch.randint(0, 3, (64,))
    history = training.train(model, x, y, mine_ib.mine_ib_objective([schedules.Constant(0.5)] * 2, "dv"), epochs=2,
                             batch_size=32, lr=1e-3, progress=False, device="cpu")
    assert history.metrics["critic_bound"].shape == (2, 2)
    assert bool(torch.isfinite(torch.as_tensor(history.metrics["critic_bound"])).all())


def test_bad_input_is_named():
    with pytest.raises(ValueError, match="critic"):
        mine_ib.MineIB(vib.VIBEnsemble(6, 3, 2, (8,), seeds=[0, 1]), neural_mi.SeparableCritic(6, 2, seeds=[0]))
    with pytest.raises(TypeError, match="model"):
        mine_ib.MineIB(torch.nn.Linear(2, 2), neural_mi.SeparableCritic(6, 2, seeds=[0]))
    with pytest.raises(ValueError, match="kind"):
        mine_ib.mine_ib_objective([schedules.Constant(0.5)], "mine")
    with pytest.raises(TypeError, match="MineIB"):
        mine_ib.mine_ib_objective([schedules.Constant(0.5)])(vib.VIBEnsemble(6, 3, 2, (8,), seeds=[0]),
                                                              torch.randn(4, 6), torch.zeros(4).long(), 1)
