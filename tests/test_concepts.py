"""Concept bottlenecks, latent-factor information, probes and contributions (notebook 6)."""

import math

import numpy as np
import pytest
import torch

from ibcourse import concepts, schedules, vib


def identity_encoder(n_in=4, classes=2, seeds=(0,)):
    """A VIB with no hidden layer whose posterior mean is the input itself (K = n_in) and std about 1."""
    model = vib.VIBEnsemble(n_in, classes, n_in, (), seeds=list(seeds))
    with torch.no_grad():
        model.encoder.linear1.weight.zero_()
        model.encoder.linear1.weight[:, torch.arange(n_in), torch.arange(n_in)] = 1.0
        model.encoder.linear1.bias.zero_()
        model.encoder.linear1.bias[..., n_in:] = 5.54  # softplus(0.54) + 1e-4 ~ 1
    return model


def test_targets_stack_label_and_concepts():
    t = concepts.targets(torch.tensor([1, 0]), np.array([[1, 0, 1], [0, 0, 1]]))
    assert t.tolist() == [[1, 1, 0, 1], [0, 0, 0, 1]] and t.dtype == torch.int64
    with pytest.raises(ValueError, match="0/1"):
        concepts.targets(torch.tensor([1, 0]), np.array([[2, 0], [0, 0]]))
    with pytest.raises(ValueError, match="one row per input"):
        concepts.targets(torch.tensor([1, 0, 1]), np.array([[1, 0], [0, 0]]))
    with pytest.raises(TypeError, match="concepts"):
        concepts.targets(torch.tensor([1, 0]), np.array([[0.5, 0.0], [0.0, 1.0]]))


def test_concept_objective_adds_the_weighted_binary_cross_entropy_in_bits():
    torch.manual_seed(0)
    model = vib.VIBEnsemble(5, 2, 3, (6,), seeds=[0, 1], stochastic=[False, False])
    x, y = torch.randn(8, 5), torch.randint(0, 2, (8,))
    c = torch.randint(0, 2, (8, 2))
    parts = concepts.concept_objective([schedules.Constant(0.1)] * 2, [0.0, 2.0])(model, x, concepts.targets(y, c), 1)
    logits, mean, std = model(x, samples=1)
    plain = vib.vib_loss(logits, y, mean, std, torch.tensor([0.1, 0.1]))
    bce = torch.stack([torch.nn.functional.binary_cross_entropy_with_logits(mean[m, :, :2], c.float(), reduction="none")
                       .sum(-1).mean() for m in range(2)]) / math.log(2)
    assert torch.allclose(parts["concept_loss"], bce, atol=1e-6)
    assert torch.allclose(parts["objective"], plain["objective"] + torch.tensor([0.0, 2.0]) * bce, atol=1e-6)
    with pytest.raises(ValueError, match="targets"):
        concepts.concept_objective([schedules.Constant(0.1)] * 2, [0.0, 2.0])(model, x, torch.zeros(8, 5).long(), 1)
    with pytest.raises(ValueError, match="weights"):
        concepts.concept_objective([schedules.Constant(0.1)] * 2, [0.0, -1.0])


def test_concept_accuracy_reads_the_sign_of_each_dimension():
    model = identity_encoder()
    x = torch.tensor([[1.0, -1.0, 2.0, -0.5], [-1.0, 1.0, 0.5, 0.5]])
    truth = np.array([[1, 0, 1, 1], [0, 1, 0, 1]])
    assert concepts.concept_accuracy(model, x, truth).tolist() == [[1.0, 1.0, 0.5, 0.5]]


def test_latent_factor_information_known_answers():
    rng = np.random.default_rng(0)
    factor = rng.permutation(np.repeat([0, 1], 2000))  # equal halves: the quantile bins split at the boundary
    noise = rng.normal(size=4000)
    got = concepts.latent_factor_information(np.stack([factor + 0.01 * noise, noise], 1), factor[:, None], bins=8)
    assert got.shape == (2, 1)
    assert got[0, 0] == pytest.approx(1.0, abs=1e-9)  # a copy of the factor carries all of it: H = 1 bit
    assert got[1, 0] < 7 / (2 * 4000 * math.log(2)) * 4  # independent: the plug-in bias only
    eight = rng.permutation(np.repeat(np.arange(8), 500))
    capped = concepts.latent_factor_information(eight[:, None] + 0.0, eight[:, None], bins=4)
    assert capped[0, 0] == pytest.approx(2.0, abs=1e-9)  # at most log2(bins)


def test_single_dimension_probe_finds_the_dimension_and_its_direction():
    rng = np.random.default_rng(1)
    c = rng.integers(0, 2, size=(600, 2))
    z = np.stack([rng.normal(size=600), -(2 * c[:, 0] - 1) + 0.1 * rng.normal(size=600),
                  (2 * c[:, 1] - 1) + 0.1 * rng.normal(size=600)], 1)
    dims, acc = concepts.single_dimension_probe(z[:400], c[:400], z[400:], c[400:])
    assert dims.tolist() == [1, 2] and acc.tolist() == [1.0, 1.0]
    _, chance = concepts.single_dimension_probe(z[:400, :1], c[:400], z[400:, :1], c[400:])
    assert np.all(chance < 0.65)


def test_logit_contributions_add_up_to_the_logits():
    model = vib.VIBEnsemble(4, 3, 5, (6,), seeds=[0, 1])
    z = torch.randn(2, 7, 5)
    parts, bias = concepts.logit_contributions(model, z)
    assert parts.shape == (2, 7, 5, 3) and bias.shape == (2, 3)
    with torch.no_grad():
        assert torch.allclose(parts.sum(2) + bias[:, None], model.decoder(z) / math.log(2), atol=1e-5)
    with pytest.raises(ValueError, match="linear decoder"):
        concepts.logit_contributions(vib.VIBEnsemble(4, 3, 5, (6,), seeds=[0], decoder_hidden=(4,)), z[0])
    with pytest.raises(ValueError, match="z must have shape"):
        concepts.logit_contributions(model, torch.randn(7, 4))


@pytest.mark.parametrize("call, error, name", [
    (lambda: concepts.latent_factor_information(np.zeros((5, 2)), np.zeros((4, 1), dtype=int)), ValueError, "latents"),
    (lambda: concepts.latent_factor_information(np.zeros((5, 2)), np.zeros((5, 1))), TypeError, "factors"),
    (lambda: concepts.latent_factor_information(np.zeros((5, 2)), np.zeros((5, 1), dtype=int), bins=1), ValueError,
     "bins"),
    (lambda: concepts.concept_accuracy(torch.nn.Linear(2, 2), np.zeros((2, 2)), np.zeros((2, 2), dtype=int)),
     TypeError, "model"),
    (lambda: concepts.concept_accuracy(identity_encoder(), np.zeros((2, 4)), np.zeros((2, 5), dtype=int)), ValueError,
     "concepts"),
])
def test_bad_input_is_named(call, error, name):
    with pytest.raises(error, match=name):
        call()
