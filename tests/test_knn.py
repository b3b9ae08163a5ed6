import numpy as np
import pytest
import torch
from sklearn.feature_selection import mutual_info_regression
from sklearn.preprocessing import scale

from ibcourse import ground_truth, knn

LN2 = np.log(2)


def test_agrees_with_scikit_learn_on_the_same_samples():
    """mutual_info_regression scales x and y to unit variance, adds noise of relative size 1e-10 drawn from
    its random_state, and returns nats (clipped at 0). Apply the same preprocessing here, with the same
    random draws, and the two implementations of algorithm 1 agree to rounding."""
    n, k = 1500, 3
    x, y = (v.numpy()[:, 0] for v in ground_truth.correlated_gaussians(n, 1, 0.7, seed=11))
    rng = np.random.RandomState(0)
    xs = scale(x[:, None], with_mean=False)
    xs += 1e-10 * np.maximum(1, np.mean(np.abs(xs), axis=0)) * rng.standard_normal(size=(n, 1))
    ys = scale(y, with_mean=False)
    ys += 1e-10 * np.maximum(1, np.mean(np.abs(ys))) * rng.standard_normal(size=n)
    reference = mutual_info_regression(x[:, None], y, n_neighbors=k, random_state=0)[0]
    assert reference > 0  # not clipped
    assert knn.ksg_information(xs, ys, k=k) * LN2 == pytest.approx(reference, rel=1e-12)


@pytest.mark.parametrize("d, bits", [(1, 1.0), (2, 3.0)])
def test_accurate_in_low_dimension(d, bits):
    rho = ground_truth.rho_for_information(bits, d)
    estimates = [knn.ksg_information(*ground_truth.correlated_gaussians(4000, d, rho, seed=s)) for s in range(3)]
    assert np.mean(estimates) == pytest.approx(bits, abs=0.08)


def test_independent_variables_give_about_zero_and_can_be_negative():
    estimates = np.array([knn.ksg_information(*ground_truth.correlated_gaussians(1000, 2, 0.0, seed=s))
                          for s in range(20)])
    assert abs(estimates.mean()) < 0.01
    assert estimates.min() < 0  # nothing is clipped


def test_underestimates_a_large_information_in_high_dimension():
    rho = ground_truth.rho_for_information(8.0, 20)
    assert knn.ksg_information(*ground_truth.correlated_gaussians(1000, 20, rho, seed=0)) < 5.0


def test_invariances():
    x, y = ground_truth.correlated_gaussians(500, 2, 0.6, seed=2)
    base = knn.ksg_information(x, y)
    order = torch.randperm(500, generator=torch.Generator().manual_seed(0))
    assert knn.ksg_information(x[order], y[order]) == pytest.approx(base, abs=1e-12)  # order of samples
    assert knn.ksg_information(y, x) == pytest.approx(base, abs=1e-12)  # symmetric
    assert knn.ksg_information(3 * x, 3 * y) == pytest.approx(base, abs=1e-12)  # a common scale
    assert knn.ksg_information(x.numpy(), y.numpy()) == base  # numpy and torch alike
    assert knn.ksg_information(x, y, k=6) != base


def test_one_dimensional_samples_are_promoted():
    x, y = ground_truth.correlated_gaussians(300, 1, 0.5, seed=1)
    assert knn.ksg_information(x[:, 0], y[:, 0]) == knn.ksg_information(x, y)


@pytest.mark.parametrize("call, error, name", [
    (lambda: knn.ksg_information(np.zeros((5, 1)), np.zeros((5, 1)), k=5), ValueError, "k"),
    (lambda: knn.ksg_information(np.zeros((5, 1)), np.zeros((5, 1)), k=0), ValueError, "k"),
    (lambda: knn.ksg_information(np.zeros((5, 1)), np.zeros((5, 1)), k=2.0), TypeError, "k"),
    (lambda: knn.ksg_information(np.array([[0.0], [np.inf], [1.0]]), np.zeros((3, 1))), ValueError, "x"),
    (lambda: knn.ksg_information(np.zeros((4, 1)), np.zeros((5, 1))), ValueError, "x and y"),
    (lambda: knn.ksg_information(np.zeros((1, 1)), np.zeros((1, 1))), ValueError, "x"),
    (lambda: knn.ksg_information(np.zeros((4, 1)), np.zeros((4, 1, 1))), ValueError, "y"),
    (lambda: knn.ksg_information(np.zeros((4, 1)), np.array(["a"] * 4)), TypeError, "y"),
])
def test_bad_inputs_are_rejected_by_name(call, error, name):
    with pytest.raises(error, match=name):
        call()
