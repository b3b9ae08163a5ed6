"""Attacks: each raises the loss, epsilon = 0 changes nothing, and results stay in the ball and the pixel range."""

import pytest
import torch

from ibcourse import attacks, vib

WEIGHT = torch.randn(10, 4, generator=torch.Generator().manual_seed(0))


def linear_loss(x, y):
    """Per-example cross-entropy of a fixed linear classifier (bits are not needed here)."""
    return torch.nn.functional.cross_entropy(x @ WEIGHT, y, reduction="none")


def batch(n=64, seed=1):
    gen = torch.Generator().manual_seed(seed)
    x = torch.rand(n, 10, generator=gen)
    x[x < 0.15] = 0.0  # pixels at the edges of the range, where the projection has work to do
    x[x > 0.9] = 1.0
    return x, torch.randint(0, 4, (n,), generator=gen)


ATTACKS = {"fgsm": lambda loss, x, y, e: attacks.fgsm(loss, x, y, e),
           "pgd": lambda loss, x, y, e: attacks.pgd(loss, x, y, e, steps=10, seed=3),
           "pgd, no random start": lambda loss, x, y, e: attacks.pgd(loss, x, y, e, steps=5, random_start=False)}


@pytest.mark.parametrize("name", ATTACKS)
def test_an_attack_raises_the_loss(name):
    x, y = batch()
    adversarial = ATTACKS[name](linear_loss, x, y, 0.1)
    assert linear_loss(adversarial, y).mean() > linear_loss(x, y).mean() + 0.05


@pytest.mark.parametrize("name", ATTACKS)
def test_epsilon_zero_changes_nothing(name):
    x, y = batch()
    assert torch.equal(ATTACKS[name](linear_loss, x, y, 0.0), x)


@pytest.mark.parametrize("name", [*ATTACKS, "noise"])
@pytest.mark.parametrize("epsilon", [0.01, 0.1, 0.3])
def test_perturbations_stay_in_the_ball_and_the_pixel_range(name, epsilon):
    x, y = batch()
    attack = ATTACKS.get(name, lambda loss, x, y, e: attacks.random_noise(x, e, seed=2))
    adversarial = attack(linear_loss, x, y, epsilon)
    assert adversarial.shape == x.shape
    assert float((adversarial - x).abs().max()) <= epsilon + 1e-6
    assert float(adversarial.min()) >= 0.0 and float(adversarial.max()) <= 1.0


def test_fgsm_moves_every_free_pixel_by_epsilon_and_pgd_beats_it():
    x, y = batch(200)
    step = attacks.fgsm(linear_loss, x, y, 0.05) - x
    free = (x > 0.05) & (x < 0.95)
    assert torch.allclose(step[free].abs(), torch.full_like(step[free], 0.05), atol=1e-6)
    assert linear_loss(attacks.pgd(linear_loss, x, y, 0.05, steps=20), y).mean() >= \
        linear_loss(x + step, y).mean() - 1e-6


def test_clean_inputs_are_not_modified_and_no_parameter_gets_a_gradient():
    model = vib.VIBEnsemble(10, 4, 3, (8,), seeds=[0, 1])
    x, y = batch(20)
    original = x.clone()
    attacks.pgd(attacks.predictive_loss(model, 4), x.expand(2, -1, -1).contiguous(), y, 0.1, steps=3)
    assert torch.equal(x, original)
    assert all(p.grad is None for p in model.parameters())


def test_random_noise_is_a_corner_of_the_ball_where_the_range_allows():
    x = torch.full((5, 10), 0.5)
    noise = attacks.random_noise(x, 0.2, seed=4) - x
    assert torch.allclose(noise.abs(), torch.full_like(noise, 0.2))
    assert torch.equal(attacks.random_noise(x, 0.2, seed=4), attacks.random_noise(x, 0.2, seed=4))


def test_predictive_loss_averages_the_softmax_over_samples():
    torch.manual_seed(0)
    model = vib.VIBEnsemble(10, 4, 3, (8,), seeds=[0, 1], stochastic=[True, False])
    x, y = batch(6)
    with torch.no_grad():
        model.encoder.linear2.bias[..., 3:] = 2.0  # wide posteriors: one sample differs from another
    loss = attacks.predictive_loss(model, samples=2000)(x, y)
    assert loss.shape == (2, 6)
    with torch.no_grad():
        logits = model(x, samples=2000)[0]
    want = -torch.log2(logits.softmax(-1).mean(1).gather(-1, y.expand(2, -1)[..., None])[..., 0])
    assert torch.allclose(loss, want, rtol=0.05)
    deterministic = attacks.predictive_loss(model, samples=1)(x, y)[1]
    assert torch.allclose(deterministic, torch.nn.functional.cross_entropy(logits[1, 0], y, reduction="none") /
                          torch.log(torch.tensor(2.0)), atol=1e-5)


def test_accuracy_under_no_attack_is_the_clean_accuracy():
    model = vib.VIBEnsemble(10, 4, 3, (8,), seeds=[0, 1], stochastic=[False, False])
    x, y = batch(50)
    got = attacks.accuracy_under(model, x, y, [0.0, 0.2], ATTACKS["fgsm"], samples=3)
    assert got.shape == (2, 2)
    assert got[0] == pytest.approx(1 - vib.evaluate(model, x, y, samples=3)["error_S"])
    assert bool((got[1] <= got[0]).all())


@pytest.mark.parametrize("call, error, name", [
    (lambda: attacks.fgsm(linear_loss, batch()[0] * 2, batch()[1], 0.1), ValueError, "x"),
    (lambda: attacks.fgsm(linear_loss, batch()[0], batch()[1], -0.1), ValueError, "epsilon"),
    (lambda: attacks.fgsm("loss", batch()[0], batch()[1], 0.1), TypeError, "loss"),
    (lambda: attacks.fgsm(lambda x, y: torch.zeros(3), batch()[0], batch()[1], 0.1), TypeError, "loss"),
    (lambda: attacks.pgd(linear_loss, batch()[0], batch()[1], 0.1, steps=0), ValueError, "steps"),
    (lambda: attacks.pgd(linear_loss, batch()[0], batch()[1], 0.1, random_start=1), TypeError, "random_start"),
    (lambda: attacks.random_noise(torch.zeros(3, dtype=torch.long), 0.1), TypeError, "x"),
    (lambda: attacks.predictive_loss(torch.nn.Linear(2, 2)), TypeError, "model"),
    (lambda: attacks.accuracy_under(vib.VIBEnsemble(10, 4, 3, (8,), seeds=[0]), batch()[0], batch()[1], [0.1],
                                    lambda loss, x, y, e: x[:, :3]), ValueError, "attack"),
])
def test_bad_input_is_named(call, error, name):
    with pytest.raises(error, match=name):
        call()
