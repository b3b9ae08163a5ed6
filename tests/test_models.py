import numpy as np
import pytest
import torch

from ibcourse import models, recording, training


def test_ensemble_shapes_names_and_member_activations():
    net = models.MLPEnsemble([4, 3, 2], ["tanh", "relu"], [0, 1])
    x = torch.randn(5, 4)
    out = net(x)
    assert out.shape == (2, 5, 2)
    assert net.hidden_layers == ["act1"]
    hidden = torch.baddbmm(net.linear1.bias, x.expand(2, 5, 4), net.linear1.weight)
    assert torch.allclose(net.act1(hidden)[0], torch.tanh(hidden[0]))
    assert torch.allclose(net.act1(hidden)[1], torch.relu(hidden[1]))


def test_members_are_seeded_and_independent_of_each_other():
    a = models.MLPEnsemble([3, 4, 2], ["tanh", "tanh"], [7, 8])
    b = models.MLPEnsemble([3, 4, 2], ["relu", "tanh"], [9, 7])
    assert torch.equal(a.linear1.weight[0], b.linear1.weight[1])
    assert not torch.equal(a.linear1.weight[0], a.linear1.weight[1])


def test_training_together_equals_training_alone():
    rng = np.random.default_rng(0)
    x = torch.tensor(rng.normal(size=(64, 3)), dtype=torch.float32)
    y = torch.tensor(rng.integers(0, 2, 64))

    def loss_fn(model, xb, yb, epoch):
        ce = models.ensemble_cross_entropy(model(xb), yb)
        return {"loss": ce.sum(), "ce": ce}

    pair = models.MLPEnsemble([3, 5, 2], ["tanh", "relu"], [0, 1])
    alone = models.MLPEnsemble([3, 5, 2], ["relu"], [1])
    for net in (pair, alone):
        training.train(net, x, y, loss_fn, epochs=5, batch_size=16, lr=1e-2, seed=3, progress=False, device="cpu")
    assert torch.allclose(pair.linear1.weight[1], alone.linear1.weight[0], atol=1e-6)
    assert torch.allclose(pair.linear2.bias[1], alone.linear2.bias[0], atol=1e-6)


def test_ensemble_cross_entropy_in_bits():
    logits = torch.zeros(2, 3, 4)
    assert torch.allclose(models.ensemble_cross_entropy(logits, torch.tensor([0, 1, 3])), torch.full((2,), 2.0))
    with pytest.raises(ValueError, match="members"):
        models.ensemble_cross_entropy(torch.zeros(3, 4), torch.tensor([0, 1, 3]))


@pytest.mark.parametrize("args, message", [
    (([3], ["tanh"], [0]), "widths"),
    (([3, 2], ["tanh"], [0, 1]), "one entry per member"),
    (([3, 2], ["sigmoid"], [0]), "unknown activation"),
])
def test_bad_configuration(args, message):
    with pytest.raises(ValueError, match=message):
        models.MLPEnsemble(*args)


def test_bad_input_shape():
    with pytest.raises(ValueError, match="x must have shape"):
        models.MLPEnsemble([3, 2], ["tanh"], [0])(torch.zeros(4, 5))


# ---------------------------------------------------------------------------- compression mechanisms
def mechanisms_net():
    return models.MLPEnsemble([4, 6, 3, 2], ["tanh"] * 5, [0, 1, 2, 3, 4], noise=[0, 0.5, 0, 0, 0], noise_layers=[2],
                              dropout=[0, 0, 0.5, 0, 0], quantise_bits=[0, 0, 0, 2, 0],
                              batch_norm=[False, False, False, False, True])


def test_mechanisms_leave_other_members_as_a_plain_network():
    net, plain = mechanisms_net(), models.MLPEnsemble([4, 6, 3, 2], ["tanh"] * 5, [0, 1, 2, 3, 4])
    assert [name for name, _ in net.named_children()] == [
        "linear1", "act1", "quant1", "norm1", "drop1", "linear2", "act2", "quant2", "norm2", "noise2", "drop2", "linear3"]
    assert net.hidden_layers == ["norm1", "norm2"] and plain.hidden_layers == ["act1", "act2"]
    x = torch.randn(50, 4)
    for mode in ("train", "eval"):
        getattr(net, mode)(), getattr(plain, mode)()
        assert torch.equal(net(x)[0], plain(x)[0])  # member 0 uses no mechanism


def test_noise_is_on_in_training_and_evaluation_and_only_where_asked():
    net = mechanisms_net().eval()
    x = torch.randn(2000, 4)
    a, b = net(x), net(x)
    assert not torch.equal(a[1], b[1]) and torch.equal(a[2], b[2])  # noisy member; dropout is off in eval
    layers = recording.capture(net, x, ["act2", "norm2"])
    assert torch.equal(torch.from_numpy(layers["act2"][1]), torch.from_numpy(layers["norm2"][1]))  # before the noise
    h = torch.zeros(3, 10_000, 2)
    noisy = models.add_noise(h, torch.tensor([0.0, 1.0, 3.0]))
    assert torch.equal(noisy[0], h[0]) and abs(noisy[1].std() - 1) < 0.05 and abs(noisy[2].std() - 3) < 0.15


def test_dropout_in_training_only_with_its_rate():
    drop = models.MemberDropout([0.0, 0.25])
    h = torch.ones(2, 20_000, 3)
    out = drop(h)
    assert torch.equal(out[0], h[0])
    assert abs((out[1] == 0).float().mean() - 0.25) < 0.02 and abs(out[1].mean() - 1) < 0.03  # inverted dropout
    assert torch.equal(drop.eval()(h), h)


def test_quantise_levels_and_straight_through_gradient():
    t = torch.tensor([-1.0, -0.7, -0.2, 0.1, 0.5, 0.9, 1.0, 1.7, -3.0])
    assert torch.equal(models.quantise(t, 1), torch.tensor([-1.0, -1, -1, 1, 1, 1, 1, 1, -1]))
    two = models.quantise(t, 2)
    assert torch.allclose(two, torch.tensor([-1.0, -1, -1 / 3, 1 / 3, 1 / 3, 1, 1, 1, -1]))
    for bits in (1, 2, 3, 5):
        assert len(torch.unique(models.quantise(torch.linspace(-1, 1, 1001), bits))) == 2 ** bits
    assert torch.equal(models.quantise(t.numpy(), 2), two)
    layer = models.MemberQuantise([0, 2])
    h = torch.randn(2, 7, 3, requires_grad=True)
    out = layer(h)
    assert torch.equal(out[0], h[0]) and torch.equal(out[1], models.quantise(h[1].detach(), 2))
    out.sum().backward()
    assert torch.equal(h.grad, torch.ones_like(h))
    with pytest.raises(ValueError, match="quantise_bits"):
        models.MLPEnsemble([3, 4, 2], ["relu"], [0], quantise_bits=[2])
    with pytest.raises(ValueError, match="bits"):
        models.quantise(t, torch.tensor([0]))


def test_batch_norm_standardises_in_training_and_is_a_fixed_affine_map_in_evaluation():
    norm = models.MemberBatchNorm([False, True], units=3)
    h = torch.randn(2, 500, 3) * 4 + 2
    out = norm(h)
    assert torch.equal(out[0], h[0])
    assert torch.allclose(out[1].mean(0), torch.zeros(3), atol=1e-5) and torch.allclose(out[1].std(0), torch.ones(3), atol=1e-2)
    for _ in range(200):
        norm(h)
    norm.eval()
    scale, offset = norm.affine()
    assert torch.allclose(norm(h), scale * h + offset, atol=1e-5)
    assert torch.equal(scale[0], torch.ones(1, 3)) and torch.allclose(scale[1], 1 / h[1].std(0, keepdim=True), rtol=0.02)


def test_mechanisms_train_and_l2_penalty():
    net = mechanisms_net()
    x, y = torch.randn(64, 4), torch.randint(0, 2, (64,))
    weight_decay = torch.tensor([0.0, 0.0, 0.0, 0.0, 1e-2])

    def loss_fn(model, xb, yb, epoch):
        ce = models.ensemble_cross_entropy(model(xb), yb)
        return {"loss": (ce + weight_decay * models.l2_penalty(model)).sum(), "ce": ce}

    history = training.train(net, x, y, loss_fn, epochs=30, batch_size=16, lr=1e-2, progress=False, device="cpu")
    assert np.all(history.metrics["ce"][-1] < history.metrics["ce"][0])
    want = sum(getattr(net, f"linear{k}").weight.square().sum((1, 2)) for k in (1, 2, 3))
    assert torch.allclose(models.l2_penalty(net), want)
    assert models.member_parameters(net) == 4 * 6 + 6 + 6 * 3 + 3 + 3 * 2 + 2 + 2 * (6 + 3)  # batch-norm gain, shift


@pytest.mark.parametrize("kwargs, message", [
    ({"noise": [0.1]}, "noise"), ({"noise": [-0.1, 0]}, "noise"), ({"dropout": [1.0, 0]}, "dropout"),
    ({"quantise_bits": [2.5, 0]}, "quantise_bits"), ({"batch_norm": [1, 0]}, "batch_norm"),
    ({"noise": [0.1, 0], "noise_layers": [2]}, "noise_layers"),
])
def test_bad_mechanisms(kwargs, message):
    with pytest.raises((ValueError, TypeError), match=message):
        models.MLPEnsemble([3, 4, 2], ["tanh", "tanh"], [0, 1], **kwargs)


def test_per_member_labels():
    logits = torch.randn(2, 5, 3)
    y = torch.tensor([[0, 1, 2, 0, 1], [2, 2, 2, 2, 2]])
    ce = models.ensemble_cross_entropy(logits, y)
    assert torch.allclose(ce[1], models.ensemble_cross_entropy(logits[1:], y[1])[0])


def test_a_mechanism_used_by_every_member_or_by_none():
    h = torch.randn(2, 1000, 3)
    everyone = models.MemberNoise([1.0, 2.0])(h)
    assert abs((everyone[1] - h[1]).std() - 2.0) < 0.1
    assert models.MemberNoise([0.0, 0.0])(h) is h


def test_member_parameters_counts_one_member():
    assert models.member_parameters(models.MLPEnsemble([3, 4, 2], ["relu"] * 5, list(range(5)))) == 3 * 4 + 4 + 4 * 2 + 2
    with pytest.raises(ValueError, match="ensemble"):
        models.member_parameters(torch.nn.Linear(3, 2))
