import functools
import math

import numpy as np
import pytest
import torch

from ibcourse import generalization as gen
from ibcourse import models, training


def test_training_sets_are_iid_draws_with_counts():
    sets = gen.draw_training_sets(50, [10, 30, 10], [1, 2, 1])
    assert [len(d) for d in sets.draws] == [10, 30, 10]
    assert np.array_equal(sets.draws[0], sets.draws[2])  # same size and seed: same set
    assert np.array_equal(sets.counts.sum(1), [10, 30, 10])
    assert all(np.array_equal(np.bincount(d, minlength=50), c) for d, c in zip(sets.draws, sets.counts))
    assert torch.equal(sets.slots, torch.arange(30))
    big = gen.draw_training_sets(10, [20_000], [0])
    assert np.all(np.abs(big.counts[0] / 20_000 - 0.1) < 0.01)  # uniform, with replacement


def test_each_member_trains_on_its_own_set():
    x_all = torch.eye(4)
    y_all = torch.tensor([0, 1, 0, 1])
    sets = gen.draw_training_sets(4, [3, 6], [0, 1])
    seen = []

    class Spy(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.w = torch.nn.Parameter(torch.zeros(2, 4, 2))

        def forward(self, x):
            seen.append(x.argmax(-1))
            return x @ self.w

    loss_fn = sets.objective(x_all, y_all)
    for slots in sets.slots.split(2):
        loss_fn(Spy(), slots, slots, 1)
    drawn = torch.cat(seen, dim=1)  # (members, slots) population indices
    assert sorted(drawn[1].tolist()) == sorted(sets.draws[1].tolist())
    assert sorted(drawn[0].tolist()) == sorted(np.resize(sets.draws[0], 6).tolist())  # each draw twice


def test_risks_are_exact_averages():
    x_all = torch.eye(4)
    y_all = torch.tensor([0, 1, 0, 1])
    sets = gen.draw_training_sets(4, [2, 5], [3, 4])
    net = models.MLPEnsemble([4, 2], ["tanh", "tanh"], [0, 1])
    risks = sets.risks(net, x_all, y_all)
    with torch.no_grad():
        logits = net(x_all)
    wrong = (logits.argmax(-1) != y_all).double().numpy()
    ce = -torch.log_softmax(logits, -1).gather(2, y_all.expand(2, -1)[..., None])[..., 0].double().numpy() / math.log(2)
    for m in range(2):
        assert risks["population_error"][m] == pytest.approx(wrong[m].mean())
        assert risks["train_error"][m] == pytest.approx(wrong[m, sets.draws[m]].mean())
        assert risks["train_loss"][m] == pytest.approx(ce[m, sets.draws[m]].mean())
        assert risks["loss_gap"][m] == pytest.approx(ce[m].mean() - ce[m, sets.draws[m]].mean())


def test_training_on_sets_fits_the_training_draws():
    torch.manual_seed(0)
    rng = np.random.default_rng(0)
    x_all = torch.tensor(rng.normal(size=(64, 5)), dtype=torch.float32)
    y_all = torch.tensor(rng.integers(0, 2, 64))
    sets = gen.draw_training_sets(64, [8, 40], [0, 1])
    net = models.MLPEnsemble([5, 32, 2], ["tanh", "tanh"], [0, 1])
    training.train(net, sets.slots, sets.slots, sets.objective(x_all, y_all), epochs=150, batch_size=20, lr=0.03,
                   progress=False, device="cpu")
    risks = sets.risks(net, x_all, y_all)
    assert risks["train_error"][0] == 0 and risks["error_gap"][0] > 0.1  # 8 random labels: memorised


def test_langevin_step_clips_each_member_and_adds_its_noise():
    p = torch.nn.Parameter(torch.zeros(3, 4, 5))
    opt = gen.LangevinGD([p], lr=0.5, noise_std=[1e-30, 1e-30, 0.2], clip=1.0)
    p.grad = torch.zeros(3, 4, 5)
    p.grad[0, 0, 0] = 10.0  # norm 10: clipped to 1
    p.grad[1, 0, 0] = 0.5  # norm 0.5: left alone
    torch.manual_seed(0)
    opt.step()
    assert p[0, 0, 0].item() == pytest.approx(-0.5) and p[1, 0, 0].item() == pytest.approx(-0.25)
    assert abs(p[2].std().item() - 0.2) < 0.08 and p[:2].abs().max() <= 0.5 + 1e-6


def test_langevin_trains_through_the_training_loop():
    torch.manual_seed(0)
    x = torch.randn(64, 3)
    y = (x[:, 0] > 0).long()
    net = models.MLPEnsemble([3, 2], ["tanh", "tanh"], [0, 1])

    def loss_fn(model, xb, yb, epoch):
        ce = models.ensemble_cross_entropy(model(xb), yb)
        return {"loss": ce.sum(), "ce": ce}

    optimiser = functools.partial(gen.LangevinGD, noise_std=[1e-4, 1.0], clip=1.0)
    history = training.train(net, x, y, loss_fn, epochs=60, batch_size=16, lr=0.2, progress=False, device="cpu",
                             optimiser=optimiser)
    final = history.metrics["ce"][-1]
    assert final[0] < 0.5 < final[1]  # little noise learns, heavy noise does not


def test_langevin_information_formula_and_monotonicity():
    bound = gen.langevin_information([0.1, 0.2, 0.1], [0.05, 0.05, 0.1], clip=2.0, dim=10)
    steps = [5 * math.log2(1 + (lr * 2.0) ** 2 / (10 * s ** 2)) for lr, s in ((0.1, 0.05), (0.2, 0.05), (0.1, 0.1))]
    assert np.allclose(bound, np.cumsum(steps))
    # a small signal-to-noise ratio: about T lr^2 L^2 / (2 s^2) nats, whatever d
    small = gen.langevin_information(np.full(100, 1e-3), np.full(100, 1.0), clip=1.0, dim=1000)[-1]
    assert small == pytest.approx(100 * 1e-6 / 2 / math.log(2), rel=1e-3)


def test_xu_raginsky_and_input_compression_bounds():
    assert gen.xu_raginsky_bound(0.0, 100) == 0.0
    assert gen.xu_raginsky_bound(100.0, 50) == pytest.approx(math.sqrt(2 * 0.25 * 100 * math.log(2) / 50))
    assert gen.xu_raginsky_bound(4.0, 10, sub_gaussian=1.0) == pytest.approx(math.sqrt(8 * math.log(2) / 10))
    ic = gen.input_compression_bound(np.array([0.0, 3.0]), 200, delta=0.1)
    assert np.allclose(ic, np.sqrt((np.array([1.0, 8.0]) * math.log(2) + math.log(10)) / 400))
    assert gen.input_compression_bound(1.0, 10, classes=10) == pytest.approx(
        math.sqrt((2 * math.log(10) + math.log(20)) / 20))
    assert np.isinf(gen.input_compression_bound(2000.0, 10))  # vacuous, not an overflow error
    assert np.all(np.diff(gen.input_compression_bound(np.linspace(0, 12, 20), 1000)) > 0)


def test_correlation_interval():
    rng = np.random.default_rng(0)
    x = rng.normal(size=200)
    y = 0.6 * x + 0.8 * rng.normal(size=200)
    c = gen.correlation(x, y)
    assert c.low < 0.6 < c.high and c.low < c.r < c.high and c.pairs == 200
    assert c.high - c.low == pytest.approx(np.tanh(np.arctanh(c.r) + 1.96 / np.sqrt(197))
                                           - np.tanh(np.arctanh(c.r) - 1.96 / np.sqrt(197)), rel=1e-3)
    # within groups: a shift per group that would make a pooled correlation is removed
    groups = np.repeat(np.arange(4), 50)
    shifted_x, shifted_y = x * 0.1 + groups, -y * 0.1 + groups
    assert gen.correlation(shifted_x, shifted_y).r > 0.9
    within = gen.correlation(shifted_x, shifted_y, groups=groups)
    assert within.r == pytest.approx(-gen.correlation(x, y).r, abs=0.1) and within.controlled == 3
    assert "within 4 groups" in str(within)
    assert gen.correlation([0, 1, 2, 3, 4], [0, 2, 4, 6, 8]).r == pytest.approx(1.0)


@pytest.mark.parametrize("call, message", [
    (lambda: gen.correlation([1, 2, 3], [1, 2, 4]), "too few"),
    (lambda: gen.correlation([1, 2, 3, 4, 5], [1, 1, 1, 1, 1]), "constant"),
    (lambda: gen.correlation([1, 2, 3, 4, 5], [1, 2, 3, 4]), "one value per point"),
    (lambda: gen.correlation([1, 2, 3, 4, np.nan], [1, 2, 3, 4, 5]), "x"),
    (lambda: gen.draw_training_sets(10, [5, 5], [0]), "one entry per member"),
    (lambda: gen.draw_training_sets(10, [0], [0]), "sizes"),
    (lambda: gen.langevin_information([0.1], [0.0], 1.0, 3), "noise_stds"),
    (lambda: gen.langevin_information([0.1, 0.1], [0.1], 1.0, 3), "one entry per step"),
    (lambda: gen.langevin_information([0.1], [0.1], 1.0, 0), "dim"),
    (lambda: gen.xu_raginsky_bound(-1.0, 10), "information"),
    (lambda: gen.input_compression_bound(1.0, 10, delta=1.0), "delta"),
    (lambda: gen.LangevinGD([torch.nn.Parameter(torch.zeros(3, 2))], 0.1, noise_std=[0.1, 0.1], clip=1.0), "noise_std"),
    (lambda: gen.LangevinGD([torch.nn.Parameter(torch.zeros(2, 2))], 0.1, noise_std=[0.1, 0.0], clip=1.0), "noise_std"),
    (lambda: gen.draw_training_sets(4, [2], [0]).risks(models.MLPEnsemble([4, 2], ["tanh"], [0]), torch.eye(3),
                                                         torch.zeros(3, dtype=torch.long)), "population"),
])
def test_bad_input(call, message):
    with pytest.raises((ValueError, TypeError), match=message):
        call()
