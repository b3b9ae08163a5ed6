import math

import numpy as np
import pytest
import torch
from torch.distributions import Normal, kl_divergence

from ibcourse import data, models, schedules, training, vib


def test_kl_matches_torch_distributions():
    gen = torch.Generator().manual_seed(0)
    mean = torch.randn(7, 5, generator=gen) * 2
    std = torch.rand(7, 5, generator=gen) * 3 + 0.01
    want = kl_divergence(Normal(mean, std), Normal(0.0, 1.0)).sum(-1) / math.log(2)
    assert torch.allclose(vib.kl_to_standard_normal(mean, std), want, atol=1e-5)
    assert torch.equal(vib.kl_to_standard_normal(torch.zeros(3, 4), torch.ones(3, 4)), torch.zeros(3))


def test_kl_bad_input():
    with pytest.raises(ValueError, match="same shape"):
        vib.kl_to_standard_normal(torch.zeros(2, 3), torch.ones(2, 4))
    with pytest.raises(ValueError, match="positive"):
        vib.kl_to_standard_normal(torch.zeros(2, 3), torch.zeros(2, 3))


def test_reparameterised_sample_has_the_right_moments_and_gradients():
    mean = torch.tensor([1.0, -2.0], requires_grad=True)
    std = torch.tensor([0.5, 3.0], requires_grad=True)
    eps = torch.randn(200_000, 2, generator=torch.Generator().manual_seed(1))
    z = vib.reparameterise(mean, std, eps)
    assert torch.allclose(z.mean(0), mean.detach(), atol=0.03) and torch.allclose(z.std(0), std.detach(), atol=0.03)
    z.sum().backward()
    assert torch.allclose(mean.grad, torch.full((2,), 200_000.0)) and torch.allclose(std.grad, eps.sum(0))


def small_model(stochastic=None, k=3):
    return vib.VIBEnsemble(6, 4, k, (8,), seeds=[0, 1], stochastic=stochastic)


def test_shapes_std_floor_and_deterministic_members():
    model = small_model(stochastic=[True, False])
    x = torch.randn(5, 6)
    logits, mean, std = model(x, samples=3)
    assert logits.shape == (2, 3, 5, 4) and mean.shape == std.shape == (2, 5, 3)
    assert bool((std >= vib.STD_FLOOR).all())
    assert torch.allclose(logits[1, 0], logits[1, 2]), "a deterministic member ignores the noise"
    assert not torch.allclose(logits[0, 0], logits[0, 2])
    with torch.no_grad():
        model.encoder.linear2.bias[..., 3:] = -1e4  # std would underflow to 0 without the floor
    assert bool((model.encode(x)[1] >= vib.STD_FLOOR).all())
    mean_logits, _, _ = model(x, samples=0)
    assert torch.allclose(mean_logits[:, 0], model.decoder(model.encode(x)[0]))


def test_loss_parts_in_bits_and_beta_per_member():
    model = small_model()
    x, y = torch.randn(10, 6), torch.randint(0, 4, (10,))
    logits, mean, std = model(x, samples=2)
    parts = vib.vib_loss(logits, y, mean, std, torch.tensor([0.0, 0.5]))
    kl = vib.kl_to_standard_normal(mean, std).mean(1)
    assert torch.allclose(parts["kl"], kl)
    ce = torch.nn.functional.cross_entropy(logits[0].reshape(-1, 4), y.repeat(2)) / math.log(2)
    assert torch.allclose(parts["cross_entropy"][0], ce)
    assert torch.allclose(parts["objective"], parts["cross_entropy"] + torch.tensor([0.0, 0.5]) * kl)
    assert torch.allclose(parts["loss"], parts["objective"].sum())
    with pytest.raises(ValueError, match="beta"):
        vib.vib_loss(logits, y, mean, std, -1.0)


def test_kl_is_summed_over_dimensions_not_averaged():
    mean, std = torch.ones(1, 2, 8), torch.ones(1, 2, 8)  # 0.5 / ln 2 bits per dimension
    logits = torch.zeros(1, 1, 2, 3)
    parts = vib.vib_loss(logits, torch.tensor([0, 1]), mean, std, 1.0)
    assert parts["kl"].item() == pytest.approx(8 * 0.5 / math.log(2))


def test_overfits_a_tiny_set_and_bounds_are_in_range():
    torch.manual_seed(0)
    x, y = torch.randn(32, 6), torch.arange(32) % 4
    model = small_model(k=4)
    objective = vib.classifier_objective([schedules.Constant(1e-3)] * 2)
    training.train(model, x, y, objective, epochs=300, batch_size=32, lr=1e-2, progress=False, device="cpu")
    result = vib.evaluate(model, x, y)
    assert np.all(result["error_mean"] == 0) and np.all(result["error_S"] == 0)
    assert np.all(result["i_zy"] <= 2.0 + 1e-6) and np.all(result["i_zy"] > 1.8)  # H(Y) = 2 bits
    assert np.all(result["i_zx"] >= 0)


def test_objective_uses_each_members_schedule():
    model = small_model()
    x, y = torch.randn(10, 6), torch.randint(0, 4, (10,))
    objective = vib.classifier_objective([schedules.Constant(0.0), schedules.LinearWarmup(1.0, 4)])
    torch.manual_seed(3)
    parts = objective(model, x, y, 2)
    assert torch.allclose(parts["objective"], parts["cross_entropy"] + torch.tensor([0.0, 0.5]) * parts["kl"])


def test_evaluate_bounds_signs_on_an_untrained_model():
    d = data.digits()
    model = vib.VIBEnsemble(64, 10, 4, (16,), seeds=[0])
    result = vib.evaluate(model, d.x_test, d.y_test)
    assert result["i_zy"][0] <= math.log2(10) and result["i_zx"][0] >= 0
    assert 0.5 < result["error_S"][0] <= 1.0


def test_active_dimensions():
    model = small_model(k=3)
    with torch.no_grad():
        model.encoder.linear2.weight[..., 1:3] = 0  # dims 1 and 2 no longer depend on x
        model.encoder.linear2.bias[..., 1:3] = 0
        model.encoder.linear2.weight[..., 0] *= 100
    assert list(vib.active_dimensions(model, torch.randn(200, 6))) == [1, 1]


def test_vae_loss_is_a_categorical_code_length_in_bits():
    model = vib.VAEEnsemble(6, 2, (8,), seeds=[0, 1, 2], levels=5)
    x = torch.randint(0, 5, (7, 6)) / 4.0
    logits, mean, std = model(x)
    assert logits.shape == (3, 7, 6, 5)
    parts = vib.vae_loss(logits, x, mean, std, torch.tensor([0.0, 1.0, 4.0]))
    levels = (x * 4).round().long()
    nats = torch.nn.functional.cross_entropy(logits[2].reshape(-1, 5), levels.reshape(-1), reduction="sum") / 7
    assert torch.allclose(parts["distortion"][2], nats / math.log(2))
    assert torch.allclose(parts["rate"], vib.kl_to_standard_normal(mean, std).mean(1))
    assert torch.allclose(parts["objective"], parts["distortion"] + torch.tensor([0.0, 1.0, 4.0]) * parts["rate"])
    uniform = vib.vae_loss(torch.zeros(1, 7, 6, 5), x, mean[:1], std[:1], 0.0)
    assert uniform["distortion"].item() == pytest.approx(6 * math.log2(5))  # 6 pixels, 5 equally likely levels


def test_vae_levels_and_reconstructions():
    model = vib.VAEEnsemble(6, 2, (8,), seeds=[0, 1], levels=17)
    x = torch.randint(0, 17, (4, 6)) / 16.0
    assert torch.equal(vib.pixel_levels(x, 17), (x * 16).round().long())
    with torch.no_grad():
        recon = model.reconstruct(x)
    assert recon.shape == (2, 4, 6) and bool((recon >= 0).all()) and bool((recon <= 1).all())
    with pytest.raises(ValueError, match="grey levels"):
        vib.pixel_levels(torch.full((2, 6), 0.03), 17)
    with pytest.raises(ValueError, match="grey levels"):
        vib.vae_loss(torch.zeros(1, 2, 6, 17), torch.full((2, 6), 1.5), torch.zeros(1, 2, 2), torch.ones(1, 2, 2), 1.0)
    with pytest.raises(ValueError, match="levels"):
        vib.VAEEnsemble(6, 2, (8,), seeds=[0], levels=1)


def test_rate_per_dimension_sums_to_the_rate():
    gen = torch.Generator().manual_seed(5)
    mean, std = torch.randn(3, 40, 6, generator=gen), torch.rand(3, 40, 6, generator=gen) + 0.2
    per_dim = vib.rate_per_dimension(mean, std)
    assert per_dim.shape == (3, 6) and bool((per_dim >= 0).all())
    assert torch.allclose(per_dim.sum(-1), vib.kl_to_standard_normal(mean, std).mean(1), atol=1e-5)
    mean[..., 2], std[..., 2] = 0.0, 1.0  # a dimension at the prior carries nothing
    assert torch.allclose(vib.rate_per_dimension(mean, std)[:, 2], torch.zeros(3))


def test_objective_with_a_loss_of_one_model_equals_the_batched_loss():
    model = small_model()
    x, y = torch.randn(10, 6), torch.randint(0, 4, (10,))
    schedule = [schedules.Constant(0.2), schedules.Constant(1.5)]

    def one_model(logits, labels, mean, std, beta):
        ce = torch.nn.functional.cross_entropy(logits, labels) / math.log(2)
        return ce + beta * vib.kl_to_standard_normal(mean, std).mean()

    torch.manual_seed(4)
    batched = vib.classifier_objective(schedule, samples=3)(model, x, y, 1)["loss"]
    torch.manual_seed(4)
    looped = vib.classifier_objective(schedule, samples=3, loss=one_model)(model, x, y, 1)["loss"]
    assert torch.allclose(batched, looped, atol=1e-5)
    looped.backward()
    assert model.encoder.linear1.weight.grad is not None


def test_alemi_recipe_runs_end_to_end_on_a_tiny_stand_in():
    gen = torch.Generator().manual_seed(0)
    y = torch.arange(60) % 10
    x = (torch.rand(60, 784, generator=gen) * 0.2 + torch.nn.functional.one_hot(y, 784)[:, :784] * 0.8).clamp(0, 1)
    images = data.ImageData(x[:40], y[:40], x[40:], y[40:], image_shape=(28, 28), n_classes=10, source="stand-in")
    errors = vib.alemi_recipe(images, epochs=2, k=4, hidden=(16,), progress=False)
    assert set(errors) == {"vib", "deterministic", "seconds"}
    assert 0 <= errors["vib"] <= 1 and 0 <= errors["deterministic"] <= 1 and errors["seconds"] > 0


def test_alemi_hours_scales_one_timed_epoch(monkeypatch):
    seen = {}

    def fake_recipe(images, *, epochs, samples, progress):
        seen.update(n=len(images.x_train), pixels=images.x_train.shape[1], epochs=epochs)
        return {"vib": 0.5, "deterministic": 0.5, "seconds": 3.0}

    monkeypatch.setattr(vib, "alemi_recipe", fake_recipe)
    assert vib.alemi_hours(n_train=600, epochs=200) == pytest.approx(3.0 * 100 * 200 / 3600)
    assert seen == {"n": 600, "pixels": 784, "epochs": 1}
    with pytest.raises(ValueError, match="n_train"):
        vib.alemi_hours(n_train=10)


def test_forward_draws_with_a_given_sampler():
    model = small_model()
    x = torch.randn(5, 6)
    calls = []

    def sampler(mean, std, eps):
        calls.append(eps.shape)
        return mean + 0 * std * eps  # every draw at the mean

    logits, mean, _ = model(x, samples=3, sampler=sampler)
    assert calls == [(2, 3, 5, 3)]
    assert torch.allclose(logits[:, 1], model(x, samples=0)[0][:, 0], atol=1e-6)
    with pytest.raises(TypeError, match="sampler"):
        model(x, samples=2, sampler="mean + std * eps")


def test_evaluate_marks_the_wrong_examples():
    model = small_model(stochastic=[True, False])
    x, y = torch.randn(30, 6), torch.arange(30) % 4
    result = vib.evaluate(model, x, y, samples=4)
    assert result["wrong_S"].shape == (2, 30) and result["wrong_S"].dtype == bool
    assert np.allclose(result["wrong_S"].mean(1), result["error_S"])
    assert result["error_S"][1] == result["error_mean"][1], "a deterministic member: S draws decode the mean"


def test_averaged_softmax_converges_to_the_many_sample_average_and_nests():
    model = small_model(k=2)
    with torch.no_grad():
        model.encoder.linear2.bias[..., 2:] = 5.0  # std near 5: the noise matters
    x = torch.randn(7, 6)
    probs = vib.averaged_softmax(model, x, 1, [1, 100, 8000], chunk=300, seed=3)
    assert probs.shape == (3, 7, 4) and np.allclose(probs.sum(-1), 1, atol=1e-6)
    torch.manual_seed(0)
    with torch.no_grad():
        many = model(x, samples=20000)[0][1].softmax(-1).mean(0).numpy()
    assert np.abs(probs[2] - many).max() < 0.02
    assert np.abs(probs[0] - many).max() > 0.05, "one draw is far from the average"
    again = vib.averaged_softmax(model, x, 1, [1, 100], chunk=300, seed=3)
    assert np.array_equal(again, probs[:2]), "seeded, and nested: S draws are the first S of a longer run"
    calls = []
    vib.averaged_softmax(model, x, 0, [2], sampler=lambda m, s, e: calls.append(1) or m + s * e)
    assert calls
    with pytest.raises(ValueError, match="samples"):
        vib.averaged_softmax(model, x, 0, [10, 5])
    with pytest.raises(ValueError, match="member"):
        vib.averaged_softmax(model, x, 2, [1])


def test_error_difference_covers_test_examples_and_seeds():
    rng = np.random.default_rng(0)
    n = 2000
    hard = rng.random(n) < 0.2  # no seed noise: every model of a group errs on the same examples
    easy = hard & (rng.random(n) < 0.5)
    a, b = np.tile(hard, (3, 1)), np.tile(easy, (4, 1))
    result = vib.error_difference(a, b, resamples=4000)
    assert result.difference == pytest.approx(hard.mean() - easy.mean())
    per_example = hard.astype(float) - easy
    assert result.standard_error == pytest.approx(per_example.std() / np.sqrt(n), rel=0.1)
    # seed noise only: each model errs on a fixed share of all examples
    shares_a, shares_b = np.array([0.1, 0.2, 0.3, 0.4]), np.array([0.1, 0.1, 0.2])
    a = np.array([np.arange(n) < s * n for s in shares_a])
    b = np.array([np.arange(n) < s * n for s in shares_b])
    result = vib.error_difference(a, b, resamples=4000)
    welch = np.sqrt(shares_a.var() / 4 + shares_b.var() / 3)  # the bootstrap's plug-in variances
    assert result.difference == pytest.approx(0.25 - 0.4 / 3)
    assert result.standard_error == pytest.approx(welch, rel=0.15)
    low, high = result.interval
    assert low < result.difference < high


@pytest.mark.parametrize("call, error, message", [
    (lambda: vib.error_difference(np.zeros((1, 5)), np.zeros((2, 5))), ValueError, "wrong_a"),
    (lambda: vib.error_difference(np.zeros((2, 5)), np.zeros((2, 4))), ValueError, "same examples"),
    (lambda: vib.error_difference(np.zeros((2, 5)), np.full((2, 5), 0.5)), ValueError, "wrong_b"),
    (lambda: vib.error_difference(np.zeros((2, 5)), np.zeros((2, 5)), resamples=1), ValueError, "resamples"),
    (lambda: vib.error_difference(np.zeros(5), np.zeros((2, 5))), ValueError, "wrong_a"),
])
def test_error_difference_bad_input(call, error, message):
    with pytest.raises(error, match=message):
        call()


# ---------------------------------------------------------------------------- pruning (notebook 6)
def at_prior_and_informative(n=400, seed=0):
    """Posteriors of 4 dims: 0 and 2 informative (narrow, moving means), 1 and 3 at the prior (mean 0, std 1)."""
    gen = torch.Generator().manual_seed(seed)
    mean = torch.randn(n, 4, generator=gen) * torch.tensor([2.0, 0.0, 1.0, 0.0])
    std = torch.tensor([0.2, 1.0, 0.4, 1.0]).expand(n, 4)
    return mean, std


def test_dimension_order_by_rate_puts_the_prior_last_and_by_variance_first():
    mean, std = at_prior_and_informative()
    assert vib.dimension_order(mean, std).tolist() == [0, 2, 1, 3]
    assert vib.dimension_order(mean, std, by="variance").tolist() == [1, 3, 2, 0]
    stacked = vib.dimension_order(torch.stack([mean, mean.flip(-1)]), torch.stack([std, std.flip(-1)]))
    assert stacked.tolist() == [[0, 2, 1, 3], [3, 1, 0, 2]]  # flipped: old dim j is new dim 3 - j
    with pytest.raises(ValueError, match="by"):
        vib.dimension_order(mean, std, by="mean")


def test_prune_builds_the_smaller_network_that_decodes_like_zeros_elsewhere():
    torch.manual_seed(0)
    model = vib.VIBEnsemble(6, 4, 5, (8,), seeds=[0, 1], stochastic=[True, False], decoder_hidden=(7,))
    keep = torch.tensor([[3, 0], [4, 2]])
    small = vib.prune(model, keep)
    x = torch.randn(9, 6)
    with torch.no_grad():
        mean, std = model.encode(x)
        small_mean, small_std = small.encode(x)
        index = keep[:, None, :].expand(-1, 9, -1)
        assert torch.allclose(small_mean, mean.gather(2, index), atol=1e-6)
        assert torch.allclose(small_std, std.gather(2, index), atol=1e-6)
        z = torch.zeros_like(mean).scatter(2, index, small_mean)
        assert torch.allclose(small.decoder(small_mean), model.decoder(z), atol=1e-6)
    assert small.k == 2 and small.noise.flatten().tolist() == [1.0, 0.0]
    assert models.member_parameters(model) - models.member_parameters(small) == 3 * (8 * 2 + 2 + 7)


def test_prune_keeping_everything_in_order_changes_nothing():
    model = vib.VIBEnsemble(6, 4, 3, (8,), seeds=[0, 1], stochastic=[False, False])
    x = torch.randn(5, 6)
    same = vib.prune(model, np.array([[0, 1, 2], [0, 1, 2]]))
    with torch.no_grad():
        assert torch.equal(same(x, samples=0)[0], model(x, samples=0)[0])


@pytest.mark.parametrize("keep, error, message", [
    (np.array([[0, 0], [1, 2]]), ValueError, "repeat"),
    (np.array([[0, 3], [1, 2]]), ValueError, "0 .. 2"),
    (np.array([0, 1]), ValueError, "shape"),
    (np.array([[0.0, 1.0], [1.0, 2.0]]), TypeError, "integer"),
    (np.zeros((2, 0), dtype=int), ValueError, "1 <= k"),
])
def test_prune_rejects_bad_keep(keep, error, message):
    with pytest.raises(error, match=message):
        vib.prune(small_model(), keep)


def test_accuracy_by_kept_all_dimensions_is_the_model_accuracy():
    model = vib.VIBEnsemble(6, 4, 3, (8,), seeds=[0, 1], stochastic=[False, False])
    x, y = torch.randn(30, 6), torch.randint(0, 4, (30,))
    order = torch.tensor([[2, 0, 1], [1, 2, 0]])
    got = vib.accuracy_by_kept(model, order, [1, 3], x, y, samples=2)
    assert got.shape == (2, 2)
    assert got[1] == pytest.approx(1 - vib.evaluate(model, x, y, samples=2)["error_S"])


def test_evaluate_accepts_one_input_set_per_member():
    model = vib.VIBEnsemble(6, 4, 3, (8,), seeds=[0, 1], stochastic=[False, False])
    x, y = torch.randn(20, 6), torch.randint(0, 4, (20,))
    shared, own = vib.evaluate(model, x, y), vib.evaluate(model, x.expand(2, -1, -1), y)
    assert np.array_equal(shared["wrong_S"], own["wrong_S"])
    with pytest.raises(ValueError, match="y must have shape"):
        vib.evaluate(model, x.expand(2, -1, -1), y[:5])


# ---------------------------------------------------------------------------- information of a Gaussian encoder
def test_encoder_information_known_answers():
    pxy = np.array([[0.5, 0.0], [0.0, 0.5]])
    far = vib.encoder_information(torch.tensor([[0.0, 0.0], [60.0, 0.0]]), torch.ones(2, 2), pxy)
    assert far["i_zx"] == pytest.approx(1.0) and far["i_zy"] == pytest.approx(1.0)
    same = vib.encoder_information(torch.zeros(2, 2), torch.ones(2, 2), pxy)
    assert abs(same["i_zx"]) < 1e-12 and abs(same["i_zy"]) < 1e-12
    # two unit Gaussians 2 apart, equally likely: I = 1 - E log2(1 + e^{-2 z}) ... integrated numerically
    z = np.linspace(-12, 14, 400_001)
    p0, p1 = np.exp(-z ** 2 / 2), np.exp(-(z - 2) ** 2 / 2)
    exact = np.sum(p0 * np.log2(2 * p0 / (p0 + p1))) * (z[1] - z[0]) / np.sqrt(2 * np.pi)
    got = vib.encoder_information(torch.tensor([[0.0], [2.0]]), torch.ones(2, 1), pxy, samples=40_000, seed=3)
    assert abs(got["i_zx"] - exact) < 4 * got["i_zx_se"] + 1e-3


def test_encoder_information_respects_the_data_processing_inequality_and_ignores_absent_inputs():
    gen = torch.Generator().manual_seed(5)
    pxy = np.random.default_rng(6).dirichlet(np.ones(18)).reshape(6, 3)
    pxy[2] = 0.0
    pxy /= pxy.sum()
    mean, std = torch.randn(3, 6, 2, generator=gen), torch.rand(3, 6, 2, generator=gen) + 0.3
    got = vib.encoder_information(mean, std, pxy, samples=2000)
    assert got["i_zx"].shape == (3,)
    assert np.all(got["i_zy"] <= got["i_zx"] + 3 * got["i_zx_se"])
    assert np.all(got["i_zx"] <= info_entropy(pxy.sum(1)) + 1e-9)
    moved = mean.clone()
    moved[:, 2] += 100.0  # the input that never occurs: nothing changes
    again = vib.encoder_information(moved, std, pxy, samples=2000)
    assert np.allclose(again["i_zx"], got["i_zx"]) and np.allclose(again["i_zy"], got["i_zy"])


def info_entropy(p):
    p = p[p > 0]
    return float(-np.sum(p * np.log2(p)))


@pytest.mark.parametrize("call, message", [
    (lambda: vib.encoder_information(torch.zeros(3, 2), torch.ones(3, 2), np.full((2, 2), 0.25)), "rows of pxy"),
    (lambda: vib.encoder_information(torch.zeros(2, 2), torch.zeros(2, 2), np.full((2, 2), 0.25)), "std"),
    (lambda: vib.encoder_information(torch.zeros(2, 2), torch.ones(2, 2), np.full((2, 2), 0.3)), "pxy"),
    (lambda: vib.encoder_information(torch.zeros(2, 2), torch.ones(2, 2), np.full((2, 2), 0.25), samples=1),
     "samples"),
])
def test_encoder_information_bad_input(call, message):
    with pytest.raises((ValueError, TypeError), match=message):
        call()
