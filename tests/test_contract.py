"""The public API's contract with bad input (COURSE-DESIGN.md, "The ibcourse package").

Every public function rejects bad input with ValueError or TypeError whose message names
the argument, and never truncates, clips, renormalises or guesses; numpy arrays and torch
tensors are both accepted where a user would pass either. One parametrised test per
category of bad input that a sweep of the API found handled obscurely or silently.
"""

import math
import re

import numpy as np
import pytest
import torch
from torch import nn

import ibcourse
from ibcourse import data, estimators, ib, info, joints, models, recording, schedules, student, training, validate, vib

NAN, INF = float("nan"), float("inf")


def rejects(call, error, name):
    """``call()`` raises ``error`` with a message that names ``name`` (as a word)."""
    with pytest.raises(error) as caught:
        call()
    message = str(caught.value)
    assert re.search(r"(?<![\w])" + re.escape(name) + r"(?![\w])", message), f"{name!r} not named in: {message}"


# ---------------------------------------------------------------------------- small fixtures
def vib_parts():
    """A 2-member VIB on 10 inputs of 6 features, 4 classes: model, x, y, logits (2 samples), mean, std."""
    torch.manual_seed(0)
    model = vib.VIBEnsemble(6, 4, 3, (8,), seeds=[0, 1])
    x, y = torch.randn(10, 6), torch.arange(10) % 4
    with torch.no_grad():
        logits, mean, std = model(x, samples=2)
    return model, x, y, logits, mean, std


def vae_parts():
    """A 2-member beta-VAE on 5 inputs of 6 pixels: model, x, pixel logits, mean, std."""
    torch.manual_seed(0)
    model = vib.VAEEnsemble(6, 2, (8,), seeds=[0, 1])
    x = torch.randint(0, 17, (5, 6)) / 16.0  # grey levels k / 16, as in the digits
    with torch.no_grad():
        logits, mean, std = model(x)
    return model, x, logits, mean, std


VIB_MODEL, VIB_X, Y, VIB_LOGITS, VIB_MEAN, VIB_STD = vib_parts()
VAE_MODEL, VAE_X, VAE_LOGITS, VAE_MEAN, VAE_STD = vae_parts()


def ce_loss(model, xb, yb, epoch):
    ce = models.ensemble_cross_entropy(model(xb), yb)
    return {"loss": ce.sum(), "ce": ce}


def train_small(**changes):
    settings = dict(model=models.MLPEnsemble([3, 2], ["tanh"], [0]), x=torch.randn(12, 3),
                    y=torch.arange(12) % 2, loss_fn=ce_loss, epochs=1, batch_size=4, lr=1e-2, progress=False,
                    device="cpu")
    settings.update(changes)
    return training.train(settings.pop("model"), settings.pop("x"), settings.pop("y"), settings.pop("loss_fn"),
                          **settings)


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        torch.manual_seed(0)
        self.left, self.head = nn.Linear(3, 2), nn.Linear(2, 2)

    def forward(self, x):
        return self.head(torch.tanh(self.left(x)))


# ---------------------------------------------------------------------------- NaN, infinite, negative beta
BETA_CALLS = {
    "vib_loss": lambda beta: vib.vib_loss(VIB_LOGITS, Y, VIB_MEAN, VIB_STD, beta),
    "vae_loss": lambda beta: vib.vae_loss(VAE_LOGITS, VAE_X, VAE_MEAN, VAE_STD, beta),
    "Constant": lambda beta: schedules.Constant(beta),
    "LinearWarmup": lambda beta: schedules.LinearWarmup(beta, 3),
    "Cyclical": lambda beta: schedules.Cyclical(beta, 4),
}


@pytest.mark.parametrize("function", BETA_CALLS)
@pytest.mark.parametrize("beta, error", [
    (NAN, ValueError), (INF, ValueError), (-1.0, ValueError), (torch.tensor([0.1, NAN]), ValueError),
    (True, TypeError), ("0.1", TypeError), (None, TypeError),
], ids=["nan", "inf", "negative", "nan member", "bool", "str", "None"])
def test_beta_must_be_finite_and_non_negative(function, beta, error):
    rejects(lambda: BETA_CALLS[function](beta), error, "beta")


@pytest.mark.parametrize("function", ["vib_loss", "vae_loss"])
def test_beta_zero_and_one_per_member_are_accepted(function):
    for beta in (0.0, np.array([0.1, 0.2]), [0.1, 0.2], torch.tensor([0.0, 4.0])):
        parts = BETA_CALLS[function](beta)
        assert torch.isfinite(parts["loss"])


# ---------------------------------------------------------------------------- one per member
@pytest.mark.parametrize("call, name", [
    (lambda: vib.vib_loss(VIB_LOGITS, Y, VIB_MEAN, VIB_STD, torch.tensor([0.1, 0.2, 0.3])), "beta"),
    (lambda: vib.vib_loss(VIB_LOGITS, Y, VIB_MEAN, VIB_STD, torch.tensor([0.1])), "beta"),
    (lambda: vib.vae_loss(VAE_LOGITS, VAE_X, VAE_MEAN, VAE_STD, torch.ones(3)), "beta"),
    (lambda: vib.classifier_objective([schedules.Constant(0.1)] * 3)(VIB_MODEL, VIB_X, Y, 1), "schedules"),
    (lambda: vib.classifier_objective([schedules.Constant(0.1)])(VIB_MODEL, VIB_X, Y, 1), "schedules"),
    (lambda: vib.autoencoder_objective([schedules.Constant(1.0)])(VAE_MODEL, VAE_X, None, 1), "schedules"),
    (lambda: vib.VIBEnsemble(6, 4, 3, (8,), [0, 1], stochastic=[True]), "stochastic"),
    (lambda: models.MLPEnsemble([3, 2], ["tanh", "relu"], [0]), "seeds"),
    (lambda: vib.vib_loss(VIB_LOGITS, Y, VIB_MEAN[:1], VIB_STD[:1], 0.1), "mean"),
], ids=["3 betas", "1 beta", "vae betas", "3 schedules", "1 schedule", "vae schedules", "stochastic",
        "activations vs seeds", "mean of 1 member"])
def test_per_member_lists_must_match_the_members(call, name):
    rejects(call, ValueError, name)


@pytest.mark.parametrize("schedules_arg, error", [
    ([0.1, 0.2], TypeError), (schedules.Constant(0.1), TypeError), ([], ValueError),
], ids=["numbers", "one schedule", "empty"])
def test_objectives_take_a_sequence_of_schedules(schedules_arg, error):
    rejects(lambda: vib.classifier_objective(schedules_arg), error, "schedules")
    rejects(lambda: vib.autoencoder_objective(schedules_arg), error, "schedules")


# ---------------------------------------------------------------------------- class labels
LABEL_CALLS = {
    "ensemble_cross_entropy": lambda y: models.ensemble_cross_entropy(torch.randn(2, 10, 4), y),
    "vib_loss": lambda y: vib.vib_loss(VIB_LOGITS, y, VIB_MEAN, VIB_STD, 0.1),
    "evaluate": lambda y: vib.evaluate(VIB_MODEL, VIB_X, y),
    "train": lambda y: train_small(model=models.MLPEnsemble([3, 4], ["tanh"], [0]), x=torch.randn(10, 3), y=y),
}


@pytest.mark.parametrize("function", LABEL_CALLS)
@pytest.mark.parametrize("y, error", [
    (Y + 1, ValueError), (Y - 1, ValueError), (Y.float(), TypeError), (Y > 1, TypeError),
], ids=["too large", "negative", "float", "bool"])
def test_labels_must_be_integers_in_range(function, y, error):
    rejects(lambda: LABEL_CALLS[function](y), error, "y")


@pytest.mark.parametrize("estimate", [estimators.binned_information, estimators.kde_information])
@pytest.mark.parametrize("y", [np.arange(20.0) % 2, np.arange(20) % 2 == 0, torch.arange(20.0)],
                         ids=["float", "bool", "torch float"])
def test_estimators_want_integer_labels(estimate, y):
    rejects(lambda: estimate(np.random.default_rng(0).normal(size=(20, 3)), y), TypeError, "y")


def test_labels_of_other_integer_dtypes_are_accepted():
    logits = torch.randn(2, 10, 4)
    want = models.ensemble_cross_entropy(logits, Y)
    assert torch.equal(models.ensemble_cross_entropy(logits, Y.int()), want)
    assert torch.equal(models.ensemble_cross_entropy(logits.numpy(), Y.numpy().astype(np.uint8)), want)


@pytest.mark.parametrize("change, name", [
    ({"y_train": Y[:8]}, "y_train"), ({"y_test": Y + 5}, "y_test"), ({"y_train": Y.float()}, "y_train"),
    ({"x_train": torch.full((10, 4), 2.0)}, "x_train"), ({"image_shape": (3, 3)}, "image_shape"),
    ({"n_classes": 2.5}, "n_classes"),
])
def test_image_data_is_checked(change, name):
    fields = dict(x_train=torch.rand(10, 4), y_train=Y, x_test=torch.rand(10, 4), y_test=Y, image_shape=(2, 2),
                  n_classes=4, source="test")
    fields.update(change)
    with pytest.raises((ValueError, TypeError), match=re.escape(name)):
        data.ImageData(**fields)


# ---------------------------------------------------------------------------- numpy where torch
def test_train_accepts_numpy_and_gives_the_torch_result():
    x, y = np.random.default_rng(0).normal(size=(12, 3)), np.arange(12) % 2  # float64, int64
    nets = [models.MLPEnsemble([3, 2], ["tanh"], [0]) for _ in range(2)]
    train_small(model=nets[0], x=x, y=y, epochs=3)
    train_small(model=nets[1], x=torch.tensor(x, dtype=torch.float32), y=torch.tensor(y), epochs=3)
    assert torch.equal(nets[0].linear1.weight, nets[1].linear1.weight)


def test_capture_and_recorder_accept_numpy():
    net, x = Net(), np.random.default_rng(1).normal(size=(8, 3))
    want = recording.capture(net, torch.tensor(x, dtype=torch.float32), ["left", "head"])
    got = recording.capture(net, x, ["left", "head"])
    assert all(np.array_equal(got[k], want[k]) for k in want)
    recorder = recording.ActivationRecorder(x, ["head"], [0])
    recorder(0, net)
    assert np.array_equal(recorder.activations["head"][0], want["head"])


def test_vib_functions_accept_numpy():
    model, x, y = VIB_MODEL, VIB_X, Y
    torch.manual_seed(5)
    want = vib.evaluate(model, x, y)
    torch.manual_seed(5)
    got = vib.evaluate(model, x.numpy().astype(np.float64), y.numpy())
    assert all(np.array_equal(got[k], want[k]) for k in want)
    assert np.array_equal(vib.active_dimensions(model, x.numpy()), vib.active_dimensions(model, x))
    assert torch.equal(vib.kl_to_standard_normal(np.zeros((2, 3)), np.ones((2, 3))), torch.zeros(2, dtype=torch.float64))
    net = models.MLPEnsemble([3, 2], ["tanh"], [0])
    assert torch.equal(net(np.ones((4, 3))), net(torch.ones(4, 3)))


def test_information_measures_accept_tensors():
    p = torch.tensor([0.25, 0.75], requires_grad=True)
    assert info.entropy(p) == pytest.approx(info.entropy([0.25, 0.75]))
    t, y = torch.randn(30, 2), torch.arange(30) % 3
    assert estimators.binned_information(t, y) == estimators.binned_information(t.numpy(), y.numpy())


@pytest.mark.parametrize("call, name", [
    (lambda: training.train("net", torch.zeros(4, 3), torch.zeros(4), ce_loss, epochs=1, batch_size=2, lr=0.1), "model"),
    (lambda: train_small(x="abc"), "x"), (lambda: train_small(x=np.array([None] * 12)), "x"),
    (lambda: recording.capture(lambda v: v, torch.zeros(2, 3), ["left"]), "model"),
    (lambda: vib.evaluate(models.MLPEnsemble([6, 4], ["relu"], [0]), torch.zeros(3, 6), torch.zeros(3, dtype=int)),
     "model"),
    (lambda: vib.alemi_recipe((torch.zeros(3, 4), torch.zeros(3)), epochs=1), "images"),
])
def test_wrong_kinds_of_object_say_what_to_pass(call, name):
    rejects(call, TypeError, name)


# ---------------------------------------------------------------------------- seeds
@pytest.mark.parametrize("seed, error", [
    (1.5, TypeError), (np.float64(2.0), TypeError), ("0", TypeError), (True, TypeError), (NAN, TypeError),
    (-1, ValueError), (2 ** 32, ValueError),
], ids=["float", "numpy float", "str", "bool", "nan", "negative", "too large"])
@pytest.mark.parametrize("function", ["seed_everything", "train", "digits", "MLPEnsemble", "VIBEnsemble"])
def test_seeds_must_be_integers_in_range(function, seed, error):
    call, name = {
        "seed_everything": (lambda: ibcourse.seed_everything(seed), "seed"),
        "train": (lambda: train_small(seed=seed), "seed"),
        "digits": (lambda: data.digits(seed=seed), "seed"),
        "MLPEnsemble": (lambda: models.MLPEnsemble([3, 2], ["tanh"], [seed]), "seeds"),
        "VIBEnsemble": (lambda: vib.VIBEnsemble(6, 4, 3, (8,), [0, seed]), "seeds"),
    }[function]
    rejects(call, error, name)


# ---------------------------------------------------------------------------- integers: never truncated
@pytest.mark.parametrize("call, name", [
    (lambda: models.MLPEnsemble([3, 2.7, 2], ["tanh"], [0]), "widths"),
    (lambda: models.MLPEnsemble([3, 4.0, 2], ["tanh"], [0]), "widths"),
    (lambda: models.MLPEnsemble([3, True, 2], ["tanh"], [0]), "widths"),
    (lambda: joints.noisy_labels((12, 10.7)), "group_sizes"),
    (lambda: joints.noisy_labels((True, 3)), "group_sizes"),
    (lambda: recording.ActivationRecorder(torch.zeros(2, 3), ["left"], [0, 2.7]), "epochs"),
    (lambda: recording.ActivationRecorder(torch.zeros(2, 3), ["left"], [True]), "epochs"),
    (lambda: recording.log_epochs(10.5, 5), "last_epoch"),
    (lambda: vib.VIBEnsemble(6, 4, 2.7, (8,), [0]), "k"),
    (lambda: vib.VIBEnsemble(6, 4, 3, (8.5,), [0]), "hidden"),
    (lambda: vib.VIBEnsemble(6, 4.5, 3, (8,), [0]), "n_classes"),
    (lambda: vib.VAEEnsemble(6.5, 2, (8,), [0]), "n_in"),
    (lambda: train_small(epochs=2.7), "epochs"),
    (lambda: train_small(batch_size=True), "batch_size"),
    (lambda: joints.discretised_gaussian(0.5, n=40.5), "n"),
    (lambda: estimators.binned_information(np.zeros((4, 1)), np.zeros(4, int), bins=2.7), "bins"),
    (lambda: estimators.information_plane({"a": np.zeros((3, 4, 1))}, np.zeros(4, int), [0, 1.5, 2]), "epochs"),
    (lambda: estimators.information_plane({"a": np.zeros((3, 4, 1))}, np.zeros(4, int), [0, 1, 2], epoch_index=[0.5]),
     "epoch_index"),
    (lambda: schedules.LinearWarmup(1.0, 2.5), "warmup_epochs"),
    (lambda: schedules.LinearWarmup(1.0, 4)(1.5), "epoch"),
    (lambda: vib.VIBEnsemble(6, 4, 3, (8,), [0])(torch.zeros(2, 6), samples=1.5), "samples"),
    (lambda: vib.evaluate(VIB_MODEL, VIB_X, Y, samples=True), "samples"),
    (lambda: vib.VIBEnsemble(6, 4, 3, (8,), [0, 1], stochastic=[1, 0]), "stochastic"),
])
def test_integers_are_not_truncated_and_bools_are_not_integers(call, name):
    rejects(call, TypeError, name)


@pytest.mark.parametrize("call, name", [
    (lambda: models.MLPEnsemble(5, ["tanh"], [0]), "widths"),
    (lambda: models.MLPEnsemble([3, 2], "tanh", [0]), "activations"),
    (lambda: joints.noisy_labels(5), "group_sizes"),
    (lambda: joints.noisy_labels(reliability=0.5), "reliability"),
    (lambda: recording.capture(Net(), torch.zeros(2, 3), "left"), "layers"),
    (lambda: recording.ActivationRecorder(torch.zeros(2, 3), "left", [0]), "layers"),
    (lambda: recording.ActivationRecorder(torch.zeros(2, 3), ["left"], 5), "epochs"),
    (lambda: vib.VIBEnsemble(6, 4, 3, 8, [0]), "hidden"),
])
def test_a_single_value_is_not_taken_for_a_sequence(call, name):
    rejects(call, TypeError, name)


@pytest.mark.parametrize("call, name", [
    (lambda: estimators.information_plane({"a": np.zeros((3, 4, 1))}, np.zeros(4, int), [0, 1, 2], epoch_index=[3]),
     "epoch_index"),
    (lambda: estimators.information_plane({"a": np.zeros((3, 4, 1))}, np.zeros(4, int), [0, 1, 2], epoch_index=[-1]),
     "epoch_index"),
    (lambda: recording.ActivationRecorder(torch.zeros(2, 3), ["left"], [-1]), "epochs"),
    (lambda: schedules.LinearWarmup(1.0, 4)(-3), "epoch"),
    (lambda: joints.noisy_labels((3, 0)), "group_sizes"),
    (lambda: joints.noisy_labels((3,)), "group_sizes"),
    (lambda: vib.VIBEnsemble(6, 4, 3, (8,), [0])(torch.zeros(2, 6), samples=-1), "samples"),
])
def test_out_of_range_integers_and_indices(call, name):
    rejects(call, ValueError, name)


# ---------------------------------------------------------------------------- finite numbers
@pytest.mark.parametrize("bad, error", [(NAN, ValueError), (INF, ValueError), (True, TypeError), ("1", TypeError)],
                         ids=["nan", "inf", "bool", "str"])
@pytest.mark.parametrize("call, name", [
    (lambda v: train_small(lr=v), "lr"), (lambda v: train_small(lr_decay=v), "lr_decay"),
    (lambda v: train_small(adam_betas=(v, 0.999)), "adam_betas"),
    (lambda v: estimators.kde_information(np.zeros((4, 1)), np.zeros(4, int), noise_var=v), "noise_var"),
    (lambda v: estimators.binned_information(np.zeros((4, 1)), np.zeros(4, int), value_range=(0, v)), "value_range"),
    (lambda v: joints.discretised_gaussian(v), "rho"), (lambda v: joints.discretised_gaussian(0.5, width=v), "width"),
    (lambda v: joints.noisy_labels(reliability=(0.3, v)), "reliability"),
    (lambda v: vib.active_dimensions(VIB_MODEL, VIB_X, threshold=v), "threshold"),
    (lambda v: vib.evaluate(VIB_MODEL, VIB_X, Y, h_y=v), "h_y"),
    (lambda v: schedules.Cyclical(1.0, 4, ramp=v), "ramp"),
    (lambda v: data.digits(test_fraction=v), "test_fraction"),
])
def test_numbers_must_be_finite_reals(call, name, bad, error):
    rejects(lambda: call(bad), error, name)


@pytest.mark.parametrize("call, name", [
    (lambda: train_small(x=torch.full((12, 3), NAN)), "x"),
    (lambda: vib.evaluate(VIB_MODEL, torch.full((10, 6), INF), Y), "x"),
    (lambda: recording.capture(Net(), torch.full((2, 3), NAN), ["left"]), "inputs"),
    (lambda: estimators.binned_information(np.full((4, 1), NAN), np.zeros(4, int)), "t"),
    (lambda: estimators.information_plane({"a": np.full((3, 4, 1), INF)}, np.zeros(4, int), [0, 1, 2],
                                          value_range="span"), "activations"),
    (lambda: vib.vae_loss(VAE_LOGITS, VAE_X * NAN, VAE_MEAN, VAE_STD, 1.0), "x"),
    (lambda: vib.vib_loss(VIB_LOGITS, Y, VIB_MEAN, VIB_STD * NAN, 0.1), "std"),
    (lambda: info.kl_matrix(np.array([[NAN, 1.0]]), np.full((2, 2), 0.5)), "p_rows"),
])
def test_data_must_be_finite(call, name):
    rejects(call, ValueError, name)


def test_vae_targets_must_be_probabilities():
    rejects(lambda: vib.vae_loss(VAE_LOGITS, 3 * VAE_X - 1, VAE_MEAN, VAE_STD, 1.0), ValueError, "x")


# ---------------------------------------------------------------------------- shapes, empty data
@pytest.mark.parametrize("call, name", [
    (lambda: train_small(x=torch.zeros(0, 3), y=torch.zeros(0, dtype=int)), "x"),
    (lambda: train_small(x=torch.tensor(1.0)), "x"),
    (lambda: train_small(y=torch.zeros(5, dtype=int)), "y"),
    (lambda: vib.evaluate(VIB_MODEL, torch.zeros(0, 6), torch.zeros(0, dtype=int)), "x"),
    (lambda: vib.evaluate(VIB_MODEL, torch.zeros(10, 6), Y[:3]), "y"),
    (lambda: vib.evaluate(VIB_MODEL, torch.zeros(10, 5), Y), "x"),
    (lambda: vib.active_dimensions(VIB_MODEL, torch.zeros(1, 6)), "x"),
    (lambda: vib.vae_loss(VAE_LOGITS, VAE_X[:, :4], VAE_MEAN, VAE_STD, 1.0), "x"),
    (lambda: vib.reparameterise(torch.zeros(2, 3), torch.ones(2, 3), torch.zeros(4, 5)), "eps"),
    (lambda: models.ensemble_cross_entropy(torch.zeros(4, 3), torch.zeros(4, dtype=int)), "logits"),
    (lambda: estimators.binned_information(np.zeros((0, 3)), np.zeros(0, int)), "t"),
    (lambda: estimators.information_plane({}, np.zeros(4, int), [0]), "activations"),
    (lambda: info.kl_matrix(np.full((2, 3), 1 / 3), np.full((2, 2), 0.5)), "q_rows"),
    (lambda: info.entropy([]), "p"),
    (lambda: models.MLPEnsemble([3, 2], ["tanh"], [0])(torch.zeros(4, 5)), "x"),
])
def test_shape_mismatches_and_empty_data(call, name):
    rejects(call, ValueError, name)


# ---------------------------------------------------------------------------- value_range
def test_value_range_span_belongs_to_information_plane():
    t, y = np.random.default_rng(0).normal(size=(20, 2)), np.arange(20) % 2
    rejects(lambda: estimators.binned_information(t, y, value_range="span"), TypeError, "information_plane")
    acts = {"a": np.stack([t, 2 * t])}
    for bad, options in [("spam", {}), ("span", {"estimator": "kde"})]:
        rejects(lambda bad=bad, options=options: estimators.information_plane(acts, y, [0, 1], value_range=bad, **options),
                ValueError, "value_range")
    for bad in [(0, 1, 2), 1.0, (1, -1), ("a", "b")]:
        with pytest.raises((ValueError, TypeError), match="value_range"):
            estimators.binned_information(t, y, value_range=bad)
    plane = estimators.information_plane(acts, y, [0, 1], value_range="span")
    low, high = acts["a"].min(), acts["a"].max()
    assert plane.i_xt[1, 0] == estimators.binned_information(2 * t, y, value_range=(low, high)).i_xt


# ---------------------------------------------------------------------------- student versions
NOTEBOOK = ('# %% [markdown]\n# A title\n\n# %% tags=["exercise"]\nx = 1\n\n'
            '# %% tags=["solution"] jupyter={"source_hidden": true}\nx = 2\n')


def test_build_takes_str_paths(tmp_path):
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "01_a.py").write_text(NOTEBOOK)
    written = student.build(str(tmp_path / "src"), str(tmp_path / "out"))
    assert [p.name for p in written] == ["01_a.ipynb"] and written[0].exists()


def test_build_errors_name_the_notebook_file_and_the_folders(tmp_path):
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "07_orphan.py").write_text('# %%\nx = 1\n\n# %% tags=["solution"]\nx = 2\n')
    rejects(lambda: student.build(tmp_path / "src", tmp_path / "out"), ValueError, "07_orphan.py")
    rejects(lambda: student.build(tmp_path / "missing", tmp_path / "out"), ValueError, "source")
    (tmp_path / "file").write_text("")
    rejects(lambda: student.build(tmp_path / "src", tmp_path / "file"), ValueError, "target")
    rejects(lambda: student.build(None, tmp_path / "out"), TypeError, "source")
    rejects(lambda: student.student_version({"cells": []}), TypeError, "notebook")


# ---------------------------------------------------------------------------- float32 probability tables
def test_float32_tables_are_accepted_within_their_rounding_never_renormalised():
    softmax = torch.softmax(torch.randn(1000, generator=torch.Generator().manual_seed(4)), 0)
    assert abs(float(softmax.double().sum()) - 1) > 10 * info.SUM_TOLERANCE  # off by 7.7e-8: float64's 1e-9 rejects it
    assert info.entropy(softmax) == pytest.approx(info.entropy(softmax.double() / softmax.double().sum()), abs=1e-5)
    joint = np.arange(1, 2 * 4097 + 1, dtype=np.float32).reshape(-1, 2)
    joint /= joint.sum()
    assert info.mutual_information(joint) >= 0
    table = info.as_distribution(joint, "pxy")
    assert table.dtype == np.float64 and np.array_equal(table, joint.astype(np.float64))  # not renormalised
    rejects(lambda: info.entropy(np.array([0.5, 0.5001], np.float32)), ValueError, "p")
    rejects(lambda: info.entropy(np.array([0.5, 0.5 + 2e-9])), ValueError, "p")  # float64 keeps 1e-9


def test_sum_tolerance_depends_on_dtype_and_size():
    assert info.sum_tolerance(np.float64, 10) == info.SUM_TOLERANCE == 1e-9
    eps32 = np.finfo(np.float32).eps
    assert info.sum_tolerance(np.float32, 10) == pytest.approx(2 * math.sqrt(10) * eps32)
    assert info.sum_tolerance(np.int64, 4) == info.SUM_TOLERANCE
    assert info.sum_tolerance(np.float16, 4) > info.sum_tolerance(np.float32, 4)


@pytest.mark.parametrize("table, error", [
    ([True, False], TypeError), (np.array([0.5 + 0j, 0.5]), TypeError), ("ab", TypeError), (None, TypeError),
    ([[0.5], [0.25, 0.25]], ValueError),
], ids=["bool", "complex", "str", "None", "ragged"])
def test_tables_must_hold_real_numbers(table, error):
    rejects(lambda: info.entropy(table), error, "p")


# ---------------------------------------------------------------------------- the shared checks themselves
@pytest.mark.parametrize("check, error, message", [
    (lambda: validate.number(NAN, "a"), ValueError, "a must be finite"),
    (lambda: validate.number(0.0, "a", low=0, low_open=True), ValueError, r"a must be > 0"),
    (lambda: validate.number(1.5, "a", low=0, high=1, high_open=True), ValueError, r"a must be in \[0, 1\)"),
    (lambda: validate.number(np.bool_(True), "a"), TypeError, "a must be a real number"),
    (lambda: validate.counts([1, 2.0], "w"), TypeError, r"w\[1\] must be an integer"),
    (lambda: validate.counts("12", "w"), TypeError, "w must be a sequence"),
    (lambda: validate.seed(2 ** 32), ValueError, "seed must be <= 4294967295"),
    (lambda: validate.names("act1", "layers"), TypeError, r"write \['act1'\]"),
    (lambda: validate.flags([True, 1], "s", 2), TypeError, r"s\[1\] must be True or False"),
    (lambda: validate.integers([1.0], "e"), TypeError, "e must hold integers"),
    (lambda: validate.interval((1, 1), "r"), ValueError, "r must have low < high"),
    (lambda: validate.class_labels(torch.tensor([0, 3]), 3), ValueError, r"outside 0 \.\. 2"),
    (lambda: validate.member_weights(torch.ones(3), 2, torch.zeros(1)), ValueError, "one value per member"),
    (lambda: validate.tensor({"a": 1}, "x"), TypeError, "x must be a torch tensor or a numpy array"),
])
def test_shared_checks(check, error, message):
    with pytest.raises(error, match=message):
        check()


def test_shared_checks_return_clean_values():
    assert validate.number(np.float32(0.5), "a") == 0.5 and type(validate.number(1, "a")) is float
    assert validate.counts(np.array([3, 4]), "w") == [3, 4] and all(type(v) is int for v in validate.counts((3,), "w"))
    assert validate.flags(np.array([True, False]), "s", 2) == [True, False]
    assert validate.integers(range(3), "e").dtype == np.int64
    y = validate.class_labels(np.array([0, 2], dtype=np.int32), 3)
    assert y.dtype == torch.int64 and y.tolist() == [0, 2]
    x = validate.model_input(np.ones((2, 3)), Net())
    assert x.dtype == torch.float32


# ----------------------------------------------------------------------------
# ib: the IB solvers
# ----------------------------------------------------------------------------
_BSC = np.array([[0.45, 0.05], [0.05, 0.45]])


@pytest.mark.parametrize("call, error, message", [
    (lambda: ib.iterative_ib(_BSC, np.nan), ValueError, "beta must be finite"),
    (lambda: ib.iterative_ib(_BSC, "2"), TypeError, "beta must be a real number"),
    (lambda: ib.iterative_ib(_BSC, True), TypeError, "beta must be a real number"),
    (lambda: ib.iterative_ib(_BSC, 2.0, n_t=2.5), TypeError, "n_t must be an integer"),
    (lambda: ib.iterative_ib(_BSC, 2.0, seed=1.5), TypeError, "seed must be an integer"),
    (lambda: ib.iterative_ib(_BSC, 2.0, init=[[np.nan, 1], [0.5, 0.5]]), ValueError, "init holds NaN"),
    (lambda: ib.iterative_ib(_BSC, 2.0, init=np.eye(2), n_t=2.0), TypeError, "n_t must be an integer"),
    (lambda: ib.iterative_ib(_BSC, 2.0, tol=np.nan), ValueError, "tol must be finite"),
    (lambda: ib.ib_step(_BSC, np.zeros((2, 0)), 2.0), ValueError, "encoder must have shape"),
    (lambda: ib.ib_curve(_BSC, [1, np.nan]), ValueError, "betas holds NaN"),
    (lambda: ib.ib_curve(_BSC, "12"), TypeError, "betas must hold real numbers"),
    (lambda: ib.ib_curve(_BSC, [1, 2], merge_tol=0), ValueError, "merge_tol must be > 0"),
    (lambda: ib.ib_curve(_BSC, [1, 2], tol="1e-6"), TypeError, "tol must be a real number"),
    (lambda: ib.ib_curve(_BSC, [1, 2], n_t=1, seed="a"), TypeError, "seed must be an integer"),
    (lambda: ib.critical_beta([0.5, 0.5]), ValueError, "pxy must be a 2-D table"),
    (lambda: ib.deterministic_ib(_BSC, 2.0, init=[0.0, 1.0]), TypeError, "init labels must hold integers"),
    (lambda: ib.deterministic_ib(_BSC, 2.0, init=[0, 3]), ValueError, "init labels must be <= 1"),
    (lambda: ib.deterministic_ib(_BSC, 2.0, init=[0, 1, 1]), ValueError, "one label per input"),
    (lambda: ib.blahut_arimoto([0.5, 0.5], [[0, np.nan], [1, 0]], 1.0), ValueError, "distortion holds NaN"),
    (lambda: ib.blahut_arimoto([0.5, 0.5], np.zeros((2, 0)), 1.0), ValueError, "distortion must have shape"),
    (lambda: ib.gaussian_ib("a", 0.5, 1.0, 2.0), TypeError, "cov_x must hold real numbers"),
    (lambda: ib.gaussian_ib(np.nan, 0.5, 1.0, 2.0), ValueError, "NaN"),
    (lambda: ib.gaussian_ib_curve(1.0, 0.5, 1.0, []), ValueError, "betas must be a non-empty"),
])
def test_ib_rejects_bad_input(call, error, message):
    with pytest.raises(error, match=message):
        call()


def test_ib_accepts_torch_tables_and_float32_encoders():
    curve = ib.ib_curve(torch.tensor(_BSC), [1.0, 2.0])
    assert curve.i_xt[0] == 0.0 and curve.i_xt[1] > 0
    encoder = torch.softmax(torch.randn(2, 7, generator=torch.Generator().manual_seed(0)), dim=1)  # float32 rows
    assert np.allclose(ib.ib_step(_BSC, encoder, 2.0).sum(axis=1), 1.0)
