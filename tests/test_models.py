import numpy as np
import pytest
import torch

from ibcourse import models, training


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


def test_member_parameters_counts_one_member():
    assert models.member_parameters(models.MLPEnsemble([3, 4, 2], ["relu"] * 5, list(range(5)))) == 3 * 4 + 4 + 4 * 2 + 2
    with pytest.raises(ValueError, match="ensemble"):
        models.member_parameters(torch.nn.Linear(3, 2))
