"""Section 5's machinery: the conv and transformer ensembles, the VIB with a body, the beta sweep,
the marked-sum task, attention entropy and mass, and probes."""

import numpy as np
import pytest
import torch

from ibcourse import attention, data, info, models, probes, vib


# ---------------------------------------------------------------------------- the networks
def test_conv_members_are_seeded_and_independent():
    """Member 1 of an ensemble seeded [3, 5] computes what a lone member seeded 5 computes."""
    x = torch.rand(7, 64)
    pair, alone = models.ConvEnsemble((8, 8), (4, 6), [3, 5]), models.ConvEnsemble((8, 8), (4, 6), [5])
    out = pair(x)
    assert out.shape == (2, 7, 6 * 2 * 2) and pair.n_features == 24 and pair.n_in == 64
    assert torch.allclose(out[1], alone(x)[0], atol=1e-6)
    assert not torch.allclose(out[0], out[1])


def test_conv_sizes_for_mnist_and_bad_input():
    net = models.ConvEnsemble((28, 28), (16, 32), [0, 1, 2])
    assert net(torch.rand(2, 784)).shape == (3, 2, 32 * 7 * 7)
    with pytest.raises(ValueError, match="image_shape"):
        models.ConvEnsemble((3, 3), (4, 4), [0])
    with pytest.raises(ValueError, match="x"):
        net(torch.rand(2, 64))
    with pytest.raises(TypeError, match="channels"):
        models.ConvEnsemble((8, 8), (4.0,), [0])


def test_transformer_shapes_attention_rows_and_independent_members():
    x = data.marked_sum(5, length=6, seed=0).tokens
    pair = models.TransformerEnsemble(8, 6, 8, 2, 2, [3, 5])
    alone = models.TransformerEnsemble(8, 6, 8, 2, 2, [5])
    inside = pair.inside(x)
    assert inside["output"].shape == (2, 5, 8) and pair(x).shape == (2, 5, 8)
    assert inside["attention"].shape == (2, 2, 5, 2, 7, 7) and inside["states"].shape == (2, 3, 5, 7, 8)
    assert torch.allclose(inside["attention"].sum(-1), torch.ones(2, 2, 5, 2, 7))
    assert torch.allclose(pair(x)[1], alone(x)[0], atol=1e-5)
    assert torch.equal(inside["output"], pair(x))
    cls_embedding = inside["states"][:, 0, :, 0]  # the CLS token before any block: the same for every input
    assert torch.allclose(cls_embedding, cls_embedding[:, :1].expand_as(cls_embedding))


def test_transformer_bad_input():
    net = models.TransformerEnsemble(8, 6, 8, 2, 1, [0])
    with pytest.raises(ValueError, match="width"):
        models.TransformerEnsemble(8, 6, 9, 2, 1, [0])
    with pytest.raises(ValueError, match="token ids"):
        net(torch.full((2, 6), 8))
    with pytest.raises(TypeError, match="x"):
        net(torch.zeros(2, 6))
    with pytest.raises(ValueError, match="x"):
        net(torch.zeros(2, 5, dtype=torch.long))


def test_parameter_count():
    net = models.MLPEnsemble([4, 3, 2], ["relu"] * 3, [0, 1, 2])
    assert models.parameter_count(net, 3) == 4 * 3 + 3 + 3 * 2 + 2
    with pytest.raises(ValueError, match="members"):
        models.parameter_count(net, 2)


# ---------------------------------------------------------------------------- VIB with a body, the sweep
def test_vib_with_a_body_checks_it_and_learns():
    conv = models.ConvEnsemble((8, 8), (4,), [0, 1])
    with pytest.raises(ValueError, match="n_in"):
        vib.VIBEnsemble(63, 10, 2, (), [0, 1], body=conv)
    with pytest.raises(ValueError, match="body"):
        vib.VIBEnsemble(64, 10, 2, (), [0, 1, 2], body=conv)
    with pytest.raises(TypeError, match="body"):
        vib.VIBEnsemble(64, 10, 2, (), [0, 1], body=torch.nn.Linear(3, 3))
    model = vib.VIBEnsemble(64, 10, 2, (8,), [0, 1], body=conv)
    logits, mean, std = model(torch.rand(5, 64), samples=3)
    assert logits.shape == (2, 3, 5, 10) and mean.shape == (2, 5, 2) and model.members == 2


def _stand_in(n, shape, seed=0):
    """Random images of ``shape``; the label (3 classes) counts how many of the first two pixels exceed 1/2."""
    gen = torch.Generator().manual_seed(seed)
    x = torch.rand(n, int(np.prod(shape)), generator=gen)
    y = (x[:, :2] > 0.5).sum(1)
    return x, y


def test_beta_sweep_on_an_mnist_shaped_stand_in():
    """The paper-scale path of notebook 5: a conv VIB sweep on 28 x 28 images (random, no download)."""
    x, y = _stand_in(120, (28, 28))
    sweep = vib.beta_sweep(x[:80], y[:80], x[80:], y[80:], n_classes=3, betas=[1e-3, 1.0], seeds=[0, 1],
                           deterministic_seeds=[4], k=3, hidden=(8,), epochs=2, progress=False,
                           body=lambda seeds: models.ConvEnsemble((28, 28), (2, 4), seeds))
    assert sweep.betas.tolist() == [1e-3, 1e-3, 1.0, 1.0, 0.0] and sweep.seeds.tolist() == [0, 1, 0, 1, 4]
    assert sweep.deterministic.tolist() == [False] * 4 + [True]
    assert sweep.by_beta(sweep.test["error_S"]).shape == (2, 2)
    assert sweep.by_beta(np.arange(5)).tolist() == [[0, 1], [2, 3]]
    assert sweep.parameters == models.parameter_count(sweep.model, 5)
    assert sweep.train["i_zx"].shape == (5,) and np.all(sweep.train["i_zx"] >= 0)


def test_beta_sweep_learns_and_rejects_bad_grids():
    x, y = _stand_in(600, (8, 8), seed=1)
    sweep = vib.beta_sweep(x[:400], y[:400], x[400:], y[400:], n_classes=3, betas=[1e-3], seeds=[0],
                           deterministic_seeds=[0], k=4, hidden=(32,), epochs=60, lr=3e-3, progress=False)
    assert np.all(sweep.test["error_mean"] < 0.35)  # the best guess without x (label 1) errs on 1/2
    with pytest.raises(ValueError, match="no member"):
        vib.beta_sweep(x, y, x, y, n_classes=3, betas=[], seeds=[], deterministic_seeds=[], k=2, epochs=1)
    with pytest.raises(ValueError, match="betas"):
        vib.beta_sweep(x, y, x, y, n_classes=3, betas=[0.0], seeds=[0], deterministic_seeds=[], k=2, epochs=1)


def test_rate_by_class_known_answer_and_bad_input():
    kl, y = np.array([1.0, 3.0, 2.0, 6.0, 10.0]), np.array([0, 0, 1, 1, 2])
    rates = vib.rate_by_class(kl, y, 3)
    assert np.allclose(rates, [2.0, 4.0, 10.0])
    assert np.isclose(np.sum(rates * np.bincount(y) / len(y)), kl.mean())
    with pytest.raises(ValueError, match="labels"):
        vib.rate_by_class(kl, y, 4)
    with pytest.raises(ValueError, match="kl"):
        vib.rate_by_class(kl[:4], y, 3)


# ---------------------------------------------------------------------------- the task
def test_marked_sum_is_what_it_says():
    task = data.marked_sum(500, length=9, n_values=5, n_marked=3, seed=4)
    assert task.tokens.shape == (500, 9) and task.vocab == 10
    assert torch.all(task.marked.sum(1) == 3)
    assert torch.equal(task.tokens, task.values + 5 * task.marked.long())
    assert torch.equal(task.labels, (task.values * task.marked).sum(1) % 5)
    first_unmarked = (~task.marked).long().argmax(1)
    assert torch.equal(task.distractor, task.values[torch.arange(500), first_unmarked])
    again = data.marked_sum(500, length=9, n_values=5, n_marked=3, seed=4)
    assert torch.equal(again.tokens, task.tokens)
    with pytest.raises(ValueError, match="n_marked"):
        data.marked_sum(5, length=4, n_marked=4)


def test_marked_sum_label_uniform_and_independent_of_the_distractor():
    task = data.marked_sum(40000, seed=0)
    joint = np.zeros((4, 4))
    np.add.at(joint, (task.labels.numpy(), task.distractor.numpy()), 1)
    joint /= joint.sum()
    assert info.mutual_information(joint) < 0.002  # plug-in bias of 16 cells on 40000 draws is about 0.0003
    assert abs(info.entropy(joint.sum(1)) - 2.0) < 0.002


# ---------------------------------------------------------------------------- attention measures
def test_attention_entropy_known_values():
    w = torch.tensor([[0.25, 0.25, 0.25, 0.25], [1.0, 0.0, 0.0, 0.0], [0.5, 0.5, 0.0, 0.0]])
    assert np.allclose(attention.attention_entropy(w), [2.0, 0.0, 1.0])
    rows = torch.softmax(torch.randn(3, 5, 7), -1)
    h = attention.attention_entropy(rows)
    assert h.shape == (3, 5) and np.all(h >= 0) and np.all(h <= np.log2(7) + 1e-12)
    assert np.allclose(attention.attention_entropy(rows.flip(-1)), h)  # a property of the distribution only
    assert np.allclose(attention.attention_entropy(rows.numpy()), h)


@pytest.mark.parametrize("bad, error", [
    (torch.tensor([[0.5, 0.6]]), ValueError), (torch.tensor([[1.5, -0.5]]), ValueError),
    (torch.tensor([[float("nan"), 1.0]]), ValueError), (torch.tensor([[True, False]]), TypeError),
])
def test_attention_measures_reject_non_distributions(bad, error):
    with pytest.raises(error, match="weights"):
        attention.attention_entropy(bad)
    with pytest.raises(error, match="weights"):
        attention.relevant_mass(bad, torch.tensor([[True, False]]))


def test_relevant_mass_known_values_and_broadcasting():
    uniform = torch.full((2, 3, 8), 1 / 8)
    mask = torch.zeros(2, 1, 8, dtype=torch.bool)
    mask[0, 0, :2], mask[1, 0, :] = True, True
    assert np.allclose(attention.relevant_mass(uniform, mask), [[0.25] * 3, [1.0] * 3])
    with pytest.raises(TypeError, match="relevant"):
        attention.relevant_mass(uniform, mask.long())
    with pytest.raises(ValueError, match="relevant"):
        attention.relevant_mass(uniform[:, 0], mask)


# ---------------------------------------------------------------------------- probes
def test_information_bound_known_values():
    y = np.array([0, 0, 1, 2])
    h_y = info.entropy(np.array([0.5, 0.25, 0.25]))
    perfect = np.log(np.eye(3)[y] * (1 - 2e-12) + 1e-12)
    assert np.isclose(probes.information_bound(perfect, y), h_y, atol=1e-9)
    prior = np.log(np.tile([0.5, 0.25, 0.25], (4, 1)))
    assert np.isclose(probes.information_bound(prior, y), 0.0, atol=1e-12)
    with pytest.raises(ValueError, match="log_probs"):
        probes.information_bound(-prior, y)
    with pytest.raises(ValueError, match="labels"):
        probes.information_bound(prior, np.array([0, 1, 2, 3]))


def test_probe_reads_linear_information_and_not_noise():
    rng = np.random.default_rng(0)
    y = rng.integers(0, 4, 2000)
    informative = np.eye(4)[y] * 3 + rng.normal(size=(2000, 4))
    noise = rng.normal(size=(2000, 6))
    readable = probes.probe_information(informative[:1000], y[:1000], informative[1000:], y[1000:])
    nothing = probes.probe_information(noise[:1000], y[:1000], noise[1000:], y[1000:])
    assert 1.5 < readable <= 2.0
    assert -0.05 < nothing < 0.02
    constant = probes.probe_information(np.ones((10, 2)), np.zeros(10, dtype=int), np.ones((5, 2)), np.zeros(5, dtype=int))
    assert constant == 0.0
    with pytest.raises(ValueError, match="test_features"):
        probes.probe_information(noise[:10], y[:10], noise[:10, :3], y[:10])
    with pytest.raises(TypeError, match="train_labels"):
        probes.held_out_log_probs(noise[:10], y[:10].astype(float), noise[:10])


def test_evaluate_does_not_depend_on_the_chunk_size():
    model = vib.VIBEnsemble(6, 3, 2, (5,), [0, 1], stochastic=[True, False])
    x, y = torch.randn(11, 6), torch.arange(11) % 3
    results = []
    for chunk in (3, 1000):
        torch.manual_seed(4)
        results.append(vib.evaluate(model, x, y, samples=5, chunk=chunk))
    for key in ("error_S", "error_1", "error_mean", "i_zx", "cross_entropy"):
        assert np.allclose(results[0][key], results[1][key], atol=1e-6), key
    with pytest.raises(ValueError, match="chunk"):
        vib.evaluate(model, x, y, chunk=0)
