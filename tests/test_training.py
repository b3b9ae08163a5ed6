import numpy as np
import pytest
import torch
from torch import nn

from ibcourse import training


def make_problem(seed=0):
    gen = torch.Generator().manual_seed(seed)
    x = torch.randn(40, 5, generator=gen)
    y = torch.randint(0, 3, (40,), generator=gen)
    return x, y


def loss_fn(model, xb, yb, epoch):
    ce = nn.functional.cross_entropy(model(xb), yb)
    return {"loss": ce, "accuracy": (model(xb).argmax(1) == yb).float().mean()}


def fresh_net(seed=0):
    torch.manual_seed(seed)
    return nn.Sequential(nn.Linear(5, 64), nn.Tanh(), nn.Linear(64, 3))


def test_overfits_a_tiny_problem():
    x, y = make_problem()
    net = fresh_net()
    history = training.train(net, x, y, loss_fn, epochs=200, batch_size=10, lr=1e-2, progress=False, device="cpu")
    assert history.metrics["loss"].shape == (200,)
    assert history.metrics["loss"][-1] < 0.05 < history.metrics["loss"][0]
    assert (net(x).argmax(1) == y).all()


def test_same_seed_same_history_other_seed_differs():
    x, y = make_problem()
    runs = [training.train(fresh_net(), x, y, loss_fn, epochs=5, batch_size=8, lr=1e-2, seed=s, progress=False,
                           device="cpu").metrics["loss"] for s in (1, 1, 2)]
    assert np.array_equal(runs[0], runs[1]) and not np.array_equal(runs[0], runs[2])


def test_callback_sees_epoch_zero_and_eval_mode():
    x, y = make_problem()
    seen = []

    def on_epoch(epoch, model):
        seen.append((epoch, model.training))
        return {"epoch squared": epoch ** 2} if epoch % 2 == 0 else None

    history = training.train(fresh_net(), x, y, loss_fn, epochs=4, batch_size=40, lr=1e-3, on_epoch=on_epoch,
                             progress=False, device="cpu")
    assert seen == [(e, False) for e in range(5)]
    assert history.evaluations == {0: {"epoch squared": 0}, 2: {"epoch squared": 4}, 4: {"epoch squared": 16}}
    assert history.seconds > 0 and history.callback_seconds >= 0


def test_metrics_are_weighted_epoch_means():
    x, y = torch.zeros(10, 1), torch.arange(10.0)
    model = nn.Linear(1, 1)

    def batch_mean(model, xb, yb, epoch):
        return {"loss": (model(xb) * 0).sum() + 0 * yb.sum(), "mean y": yb.mean()}

    history = training.train(model, x, y, batch_mean, epochs=1, batch_size=3, lr=1e-3, progress=False, device="cpu")
    assert history.metrics["mean y"][0] == pytest.approx(4.5)


@pytest.mark.parametrize("kwargs, message", [
    ({"epochs": 0}, "epochs"), ({"batch_size": 0}, "batch_size"), ({"lr": -1.0}, "lr"),
])
def test_bad_settings(kwargs, message):
    x, y = make_problem()
    settings = {"epochs": 1, "batch_size": 4, "lr": 1e-3, **kwargs}
    with pytest.raises(ValueError, match=message):
        training.train(fresh_net(), x, y, loss_fn, progress=False, **settings)
    with pytest.raises(ValueError, match="equal length"):
        training.train(fresh_net(), x, y[:3], loss_fn, epochs=1, batch_size=4, lr=1e-3, progress=False)


def test_device_and_threads():
    assert training.default_device().type in ("cpu", "cuda")
    assert training.configure_threads() >= 1


def test_learning_rate_decays_per_epoch(monkeypatch):
    x, y = make_problem()
    seen = []
    net = fresh_net()
    original = torch.optim.Adam.step

    def spy(self, *args, **kwargs):
        seen.append(self.param_groups[0]["lr"])
        return original(self, *args, **kwargs)

    monkeypatch.setattr(torch.optim.Adam, "step", spy)
    training.train(net, x, y, loss_fn, epochs=3, batch_size=40, lr=0.1, lr_decay=0.5, progress=False, device="cpu")
    assert seen == pytest.approx([0.1, 0.05, 0.025])
    with pytest.raises(ValueError, match="lr_decay"):
        training.train(net, x, y, loss_fn, epochs=1, batch_size=4, lr=0.1, lr_decay=0.0, progress=False)


def test_a_custom_optimiser_is_used_and_checked():
    x, y = make_problem()
    made = []

    def sgd(parameters, lr):
        made.append(lr)
        return torch.optim.SGD(parameters, lr=lr)

    net = fresh_net()
    before = net[0].weight.detach().clone()
    training.train(net, x, y, loss_fn, epochs=2, batch_size=8, lr=0.05, progress=False, device="cpu", optimiser=sgd)
    assert made == [0.05] and not torch.equal(net[0].weight, before)
    with pytest.raises(TypeError, match="optimiser"):
        training.train(fresh_net(), x, y, loss_fn, epochs=1, batch_size=8, lr=0.05, progress=False, optimiser="sgd")
    with pytest.raises(TypeError, match="optimiser"):
        training.train(fresh_net(), x, y, loss_fn, epochs=1, batch_size=8, lr=0.05, progress=False,
                       optimiser=lambda parameters, lr: None)


def test_start_seeds_prints_and_returns_the_device(capsys):
    device = training.start(seed=3)
    first = (torch.rand(2), np.random.rand(2))
    assert device == training.default_device()
    assert f"| device: {device}" in capsys.readouterr().out
    training.start(seed=3)
    assert torch.equal(torch.rand(2), first[0]) and np.array_equal(np.random.rand(2), first[1])


@pytest.mark.parametrize(("seed", "error"), [(-1, ValueError), (2.5, TypeError), ("0", TypeError)])
def test_start_rejects_a_bad_seed(seed, error):
    with pytest.raises(error, match="seed"):
        training.start(seed=seed)
