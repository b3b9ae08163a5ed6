import math

import numpy as np
import pytest
import torch

from ibcourse import ground_truth, neural_mi

LN2 = math.log(2)


optimal_scores = ground_truth.gaussian_log_ratio


@pytest.mark.parametrize("bound", [neural_mi.dv_bound, neural_mi.nwj_bound, neural_mi.infonce_bound])
def test_a_constant_critic_knows_nothing(bound):
    scores = torch.full((5, 5), 0.7, dtype=torch.float64)
    want = {"dv_bound": 0.0, "infonce_bound": 0.0, "nwj_bound": (0.7 - math.exp(-0.3)) / LN2}[bound.__name__]
    assert float(bound(scores)) == pytest.approx(want, abs=1e-12)


def test_the_density_ratio_critic_attains_the_information():
    """With f = log p(x,y)/(p(x)p(y)) (plus 1 for NWJ), DV and NWJ equal I on average; InfoNCE too while I << log n."""
    rho, d, n = 0.6, 2, 2000
    truth = ground_truth.gaussian_information(rho, d)  # 0.64 bits
    x, y = ground_truth.correlated_gaussians(n, d, rho, seed=0)
    f = optimal_scores(x, y, rho)
    assert float(neural_mi.dv_bound(f)) == pytest.approx(truth, abs=0.06)
    assert float(neural_mi.nwj_bound(f + 1)) == pytest.approx(truth, abs=0.06)
    assert float(neural_mi.infonce_bound(f)) == pytest.approx(truth, abs=0.06)
    # NWJ <= DV for the same critic (log u <= u / e), and a shifted critic changes NWJ but not DV
    assert float(neural_mi.nwj_bound(f)) <= float(neural_mi.dv_bound(f))
    assert float(neural_mi.dv_bound(f + 3)) == pytest.approx(float(neural_mi.dv_bound(f)), abs=1e-9)


def test_infonce_never_exceeds_log_batch_size():
    rho, d, n = ground_truth.rho_for_information(12.0, 4), 4, 64
    x, y = ground_truth.correlated_gaussians(n, d, rho, seed=1)
    f = optimal_scores(x, y, rho)  # the best critic there is, on 12 bits
    assert float(neural_mi.infonce_bound(f)) <= math.log2(n)
    assert float(neural_mi.infonce_bound(f)) > math.log2(n) - 0.1  # and it sits at the cap
    assert float(neural_mi.dv_bound(f)) > math.log2(n) + 1  # DV is not capped there
    for seed in range(5):
        scores = 50 * torch.randn(n, n, generator=torch.Generator().manual_seed(seed), dtype=torch.float64)
        assert float(neural_mi.infonce_bound(scores)) <= math.log2(n) + 1e-12


def test_bounds_keep_leading_dimensions_and_accept_numpy():
    scores = torch.randn(3, 2, 6, 6, generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    for bound in (neural_mi.dv_bound, neural_mi.nwj_bound, neural_mi.infonce_bound):
        batched = bound(scores)
        assert batched.shape == (3, 2)
        assert float(batched[1, 0]) == pytest.approx(float(bound(scores[1, 0])), abs=1e-12)
        assert float(bound(scores[2, 1].numpy())) == pytest.approx(float(batched[2, 1]), abs=1e-12)


def test_mine_dv_has_the_dv_value_and_the_moving_average_gradient():
    n = 5
    scores = torch.randn(n, n, generator=torch.Generator().manual_seed(3), dtype=torch.float64, requires_grad=True)
    plain = neural_mi.dv_bound(scores)
    (plain_grad,) = torch.autograd.grad(plain, scores)
    value, log_average = neural_mi.mine_dv(scores, None, rate=0.5)  # first step: this batch's mean
    assert value.item() == pytest.approx(plain.item(), abs=1e-12)
    (grad,) = torch.autograd.grad(value, scores)
    assert torch.allclose(grad, plain_grad)  # the average is this batch's own mean: the plain DV gradient
    old = torch.tensor(2.0, dtype=torch.float64)
    value, log_average = neural_mi.mine_dv(scores, old, rate=0.25)
    off = ~torch.eye(n, dtype=torch.bool)
    batch_mean = torch.exp(scores.detach()[off]).mean()
    average = 0.75 * math.exp(2.0) + 0.25 * batch_mean
    assert float(log_average) == pytest.approx(math.log(average), rel=1e-12) and not log_average.requires_grad
    (grad,) = torch.autograd.grad(value, scores)
    want = torch.where(off, -torch.exp(scores.detach()) / (n * (n - 1) * average), torch.eye(n) / n) / LN2
    assert torch.allclose(grad, want)
    assert value.item() == pytest.approx(plain.item(), abs=1e-12)


def test_critics_score_every_pair():
    torch.manual_seed(0)
    x, y = torch.randn(4, 3), torch.randn(4, 2)
    separable = neural_mi.SeparableCritic(3, 2, hidden=(8,), embed=5, seeds=[0, 1])
    scores = separable(x, y)
    assert scores.shape == (2, 4, 4)
    assert torch.allclose(scores[1, 2, 3], separable.g(x)[1, 2] @ separable.h(y)[1, 3])
    concat = neural_mi.ConcatCritic(3, 2, hidden=(8,), seeds=[0, 1, 2])
    scores = concat(x, y)
    assert scores.shape == (3, 4, 4)
    assert torch.allclose(scores[2, 1, 3], concat.f(torch.cat([x[1], y[3]])[None])[2, 0, 0])
    # per-member inputs
    assert concat(x.expand(3, 4, 3), y.expand(3, 4, 2)).shape == (3, 4, 4)
    # different members, different weights
    assert not torch.allclose(separable(x, y)[0], separable(x, y)[1])


def test_information_bound_is_a_differentiable_scalar_for_one_critic():
    critic = neural_mi.SeparableCritic(2, 2, hidden=(8,), embed=4, seeds=[5])
    x, y = ground_truth.correlated_gaussians(16, 2, 0.5, seed=0, dtype=torch.float32)
    for kind in neural_mi.KINDS:
        value = neural_mi.information_bound(critic, x, y, kind)
        assert value.ndim == 0
        grads = torch.autograd.grad(value, list(critic.parameters()))
        assert all(torch.isfinite(g).all() for g in grads) and any(g.abs().sum() > 0 for g in grads)
    from_numpy = neural_mi.information_bound(critic, x.numpy().astype(np.float64), y.numpy(), "infonce")
    assert from_numpy.item() == pytest.approx(neural_mi.information_bound(critic, x, y, "infonce").item(), abs=1e-6)
    several = neural_mi.SeparableCritic(2, 2, hidden=(8,), embed=4, seeds=[5, 6, 7])
    values = neural_mi.information_bound(several, x, y, ["dv", "nwj", "infonce"])
    scores = several(x, y)
    assert values.shape == (3,)
    assert values[1].item() == pytest.approx(neural_mi.nwj_bound(scores[1]).item(), abs=1e-6)
    assert values[2].item() == pytest.approx(neural_mi.infonce_bound(scores[2]).item(), abs=1e-6)


@pytest.fixture
def one_thread():
    """One torch thread, as the notebooks use on small CPUs (two threads on a busy 2-core machine crawl)."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


def test_training_learns_a_small_information(one_thread):
    """One bit in one dimension: every bound, trained on fresh batches, ends near the truth."""
    steps = 300
    sample = ground_truth.gaussian_sampler(np.full(steps, 1.0), d=1, batch=64, cubic_members=[False] * 3, seed=0)
    critic = neural_mi.SeparableCritic(1, 1, hidden=(32,), embed=8, seeds=[0, 1, 2])
    seen = []
    run = neural_mi.train_critics(critic, ["dv", "nwj", "infonce"], sample, steps=steps, lr=3e-3, progress=False,
                                  device="cpu", on_step=lambda step, c: seen.append(step) or (step if step % 100 == 0
                                                                                                  else None))
    assert run.estimates.shape == (steps, 3) and run.seconds > 0
    assert seen == list(range(steps)) and sorted(run.evaluations) == [0, 100, 200]
    final = run.estimates[-100:].mean(axis=0)
    assert np.all(np.abs(final - 1.0) < 0.25), final
    assert np.all(run.estimates[:5].mean(axis=0) < 0.5)  # it started near nothing


def test_a_diverging_critic_stops_the_training_and_names_itself(one_thread):
    """NWJ's e^f overflows float32 when the scores pass about 89: the run stops at once and says which member."""
    critic = neural_mi.SeparableCritic(1, 1, hidden=(4,), embed=2, seeds=[0, 1])
    sample = lambda step: (torch.full((2, 8, 1), 1e4), torch.full((2, 8, 1), 1e4))  # noqa: E731
    with pytest.raises(FloatingPointError, match=r"member\(s\) \[1\] \(nwj\) diverged at step 0"):
        neural_mi.train_critics(critic, ["infonce", "nwj"], sample, steps=3, progress=False, device="cpu")


@pytest.mark.parametrize("call, error, name", [
    (lambda: neural_mi.dv_bound(torch.zeros(3, 4)), ValueError, "scores"),
    (lambda: neural_mi.nwj_bound(torch.zeros(1, 1)), ValueError, "scores"),
    (lambda: neural_mi.infonce_bound(torch.tensor([[0.0, float("nan")], [0.0, 0.0]])), ValueError, "scores"),
    (lambda: neural_mi.infonce_bound(torch.zeros(2, 2, dtype=torch.int64)), TypeError, "scores"),
    (lambda: neural_mi.mine_dv(torch.zeros(3, 3), rate=0.0), ValueError, "rate"),
    (lambda: neural_mi.mine_dv(torch.zeros(2, 3, 3), torch.zeros(3)), ValueError, "log_average"),
    (lambda: neural_mi.SeparableCritic(0, 2), ValueError, "x_dim"),
    (lambda: neural_mi.SeparableCritic(2, 2, seeds=[2 ** 31]), ValueError, "seeds"),
    (lambda: neural_mi.ConcatCritic(2, 2, hidden=[4.5]), TypeError, "hidden"),
    (lambda: neural_mi.ConcatCritic(2, 2, seeds=[0])(torch.zeros(3, 2), torch.zeros(4, 2)), ValueError, "x and y"),
    (lambda: neural_mi.ConcatCritic(2, 2, seeds=[0])(torch.zeros(3, 5), torch.zeros(3, 2)), ValueError, "x"),
    (lambda: neural_mi.information_bound(torch.nn.Linear(2, 2), torch.zeros(3, 2), torch.zeros(3, 2)), TypeError,
     "critic"),
    (lambda: neural_mi.information_bound(neural_mi.SeparableCritic(2, 2), torch.zeros(3, 2), torch.zeros(3, 2),
                                         "mine"), ValueError, "kinds"),
    (lambda: neural_mi.information_bound(neural_mi.SeparableCritic(2, 2, seeds=[0, 1]), torch.zeros(3, 2),
                                         torch.zeros(3, 2), ["dv"]), ValueError, "kinds"),
    (lambda: neural_mi.train_critics(neural_mi.SeparableCritic(1, 1), "dv", None, steps=1), TypeError, "sample"),
    (lambda: neural_mi.train_critics(neural_mi.SeparableCritic(1, 1), "dv", lambda s: None, steps=0), ValueError,
     "steps"),
    (lambda: neural_mi.train_critics(neural_mi.SeparableCritic(1, 1), "dv", lambda s: None, steps=1, rate=1.5),
     ValueError, "rate"),
    (lambda: neural_mi.train_critics(neural_mi.SeparableCritic(1, 1), "dv", lambda s: None, steps=1, lr=-1.0),
     ValueError, "lr"),
])
def test_bad_inputs_are_rejected_by_name(call, error, name):
    with pytest.raises(error, match=name):
        call()
