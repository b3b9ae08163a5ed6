import math

import numpy as np
import pytest
import torch

from ibcourse import ground_truth, info, joints


def test_information_formula_and_its_inverse():
    rho = np.sqrt(3) / 2  # 1 - rho^2 = 1/4: one bit per coordinate
    assert ground_truth.gaussian_information(rho, 5) == pytest.approx(5.0, abs=1e-12)
    bits = np.array([0.0, 1e-9, 2.0, 14.4])
    for d in (1, 20):
        rho = ground_truth.rho_for_information(bits, d)
        assert np.all((0 <= rho) & (rho < 1))
        assert ground_truth.gaussian_information(rho, d) == pytest.approx(bits, rel=1e-6, abs=1e-15)  # rho itself is rounded


def test_samples_carry_the_information_of_the_formula():
    """The Gaussian information of the sample covariance, -1/2 log2 det C / (det C_x det C_y), matches."""
    d, rho = 3, 0.8
    x, y = ground_truth.correlated_gaussians(100_000, d, rho, seed=4)
    c = np.cov(torch.cat([x, y], 1).numpy().T)
    sample_bits = -0.5 * np.log2(np.linalg.det(c) / (np.linalg.det(c[:d, :d]) * np.linalg.det(c[d:, d:])))
    assert sample_bits == pytest.approx(ground_truth.gaussian_information(rho, d), abs=0.02)
    assert np.abs(np.diag(c[:d, d:]) - rho).max() < 0.01  # coordinate k of y pairs with coordinate k of x
    assert np.abs(c[:d, d:] - np.diag(np.diag(c[:d, d:]))).max() < 0.01  # and with no other


def test_one_problem_per_correlation_and_seeds():
    x, y = ground_truth.correlated_gaussians(50, 4, [0.0, 0.5, 0.9], seed=1, dtype=torch.float32)
    assert x.shape == y.shape == (3, 50, 4) and x.dtype == torch.float32
    assert torch.equal(ground_truth.correlated_gaussians(10, 2, 0.3, seed=7)[1],
                       ground_truth.correlated_gaussians(10, 2, 0.3, seed=7)[1])
    assert not torch.equal(ground_truth.correlated_gaussians(10, 2, 0.3, seed=7)[1],
                           ground_truth.correlated_gaussians(10, 2, 0.3, seed=8)[1])
    zero = ground_truth.correlated_gaussians(10, 2, 0.0, seed=7)  # rho = 0: y is the independent noise
    assert not torch.allclose(zero[0], zero[1])


def test_log_ratio_is_the_density_ratio():
    """Entry (i, j) is log N(y_j; rho x_i, 1 - rho^2) - log N(y_j; 0, 1), summed over the d coordinates;
    its mean over joint pairs is I ln 2, and e^f averages to 1 over pairs from the marginals."""
    rho, d = 0.7, 3
    x, y = ground_truth.correlated_gaussians(400, d, rho, seed=2)
    f = ground_truth.gaussian_log_ratio(x, y, rho)
    normal = torch.distributions.Normal
    i, j = 5, 17
    by_hand = (normal(rho * x[i], math.sqrt(1 - rho ** 2)).log_prob(y[j]) - normal(0.0, 1.0).log_prob(y[j])).sum()
    assert float(f[i, j]) == pytest.approx(float(by_hand), abs=1e-10)
    truth = ground_truth.gaussian_information(rho, d) * math.log(2)
    assert float(f.diagonal().mean()) == pytest.approx(truth, abs=0.1)
    off = ~torch.eye(400, dtype=torch.bool)
    assert float(torch.exp(f[off]).mean()) == pytest.approx(1.0, abs=0.1)
    repeats = ground_truth.correlated_gaussians(10, d, [rho, rho], seed=1)
    assert ground_truth.gaussian_log_ratio(*repeats, rho).shape == (2, 10, 10)
    with pytest.raises(ValueError, match="x and y"):
        ground_truth.gaussian_log_ratio(x, y[:5], rho)
    with pytest.raises(ValueError, match="rho"):
        ground_truth.gaussian_log_ratio(x, y, 1.0)


def test_cubic_is_the_cube_for_arrays_and_tensors():
    assert np.array_equal(ground_truth.cubic(np.array([-2.0, 0.5])), [-8.0, 0.125])
    assert torch.equal(ground_truth.cubic(torch.tensor([3.0])), torch.tensor([27.0]))


def test_staircase_and_sampler():
    levels = np.array([2, 4]) / np.log(2)
    schedule = ground_truth.staircase(levels, 3)
    assert np.array_equal(schedule, np.repeat(levels, 3))
    sample = ground_truth.gaussian_sampler(np.array([0.0, 20.0]), d=2, batch=4000, cubic_members=[False, True])
    x, y = sample(1)
    assert x.shape == y.shape == (2, 4000, 2) and x.dtype == torch.float32
    rho = ground_truth.rho_for_information(20.0, 2)
    assert np.corrcoef(x[0, :, 0], y[0, :, 0])[0, 1] == pytest.approx(rho, abs=1e-3)
    # member 1 gets y^3 of a pair with the same correlation: the cube root undoes it
    assert np.corrcoef(x[1, :, 1], np.cbrt(y[1, :, 1].numpy()))[0, 1] == pytest.approx(rho, abs=1e-3)
    x0, y0 = sample(0)
    assert abs(np.corrcoef(x0[0, :, 0], y0[0, :, 0])[0, 1]) < 0.06  # no information at step 0


def test_sample_table_frequencies():
    pxy = joints.discretised_gaussian(0.6, n=4, width=1.5)
    x, y = ground_truth.sample_table(pxy, 200_000, seed=3)
    assert x.dtype == y.dtype == np.int64
    counts = np.zeros_like(pxy)
    np.add.at(counts, (x, y), 1)
    assert np.abs(counts / 200_000 - pxy).max() < 0.005
    assert info.mutual_information(counts / 200_000) == pytest.approx(info.mutual_information(pxy), abs=0.01)


@pytest.mark.parametrize("call, error, name", [
    (lambda: ground_truth.gaussian_information(1.0, 2), ValueError, "rho"),
    (lambda: ground_truth.gaussian_information(float("nan"), 2), ValueError, "rho"),
    (lambda: ground_truth.gaussian_information("0.5", 2), TypeError, "rho"),
    (lambda: ground_truth.gaussian_information(0.5, 0), ValueError, "d"),
    (lambda: ground_truth.rho_for_information(-1.0, 2), ValueError, "bits"),
    (lambda: ground_truth.correlated_gaussians(0, 2, 0.5), ValueError, "n"),
    (lambda: ground_truth.correlated_gaussians(5, 2.0, 0.5), TypeError, "d"),
    (lambda: ground_truth.correlated_gaussians(5, 2, [[0.5]]), ValueError, "rho"),
    (lambda: ground_truth.correlated_gaussians(5, 2, 0.5, seed=-1), ValueError, "seed"),
    (lambda: ground_truth.staircase([1.0, float("inf")], 3), ValueError, "levels"),
    (lambda: ground_truth.staircase([1.0], 0), ValueError, "steps_per_level"),
    (lambda: ground_truth.gaussian_sampler(np.ones((2, 2)), d=2, batch=3, cubic_members=[False]), ValueError,
     "information"),
    (lambda: ground_truth.gaussian_sampler(np.ones(2), d=2, batch=3, cubic_members=[1]), TypeError,
     "cubic_members[0]"),
    (lambda: ground_truth.gaussian_sampler(np.ones(2), d=2, batch=3, cubic_members=[]), ValueError,
     "cubic_members"),
    (lambda: ground_truth.sample_table(np.array([[0.5, 0.6]]), 10), ValueError, "pxy"),
    (lambda: ground_truth.sample_table(np.array([0.5, 0.5]), 10), ValueError, "pxy"),
])
def test_bad_inputs_are_rejected_by_name(call, error, name):
    with pytest.raises(error, match=name.replace("[", r"\[").replace("]", r"\]")):
        call()
