import numpy as np
import pytest
import torch

from ibcourse import ground_truth, joints, plugin

LN2 = np.log(2)


def test_known_tables():
    x = np.repeat(np.arange(4), 4)
    y = np.tile(np.arange(4), 4)  # every pair once: independent, exactly
    assert plugin.plugin_information(x, y) == pytest.approx(0.0, abs=1e-12)
    assert plugin.plugin_information(x, x) == pytest.approx(2.0, abs=1e-12)  # H(X) = 2 bits
    assert plugin.plugin_information(x, 7 - 3 * x) == pytest.approx(2.0, abs=1e-12)  # the labels do not matter
    two_columns = np.stack([x, y], 1)  # rows are symbols: (X, Y) determines itself
    assert plugin.plugin_information(two_columns, two_columns) == pytest.approx(4.0, abs=1e-12)
    assert plugin.plugin_information(torch.from_numpy(x), torch.from_numpy(y)) == pytest.approx(0.0, abs=1e-12)


def test_miller_madow_on_a_fully_observed_table_subtracts_the_first_order_bias():
    x, y = ground_truth.sample_table(np.full((3, 4), 1 / 12), 500, seed=2)
    assert len(set(zip(x, y))) == 12  # every cell observed
    plain, corrected = plugin.plugin_information(x, y), plugin.plugin_information(x, y, miller_madow=True)
    assert plain - corrected == pytest.approx(plugin.plugin_bias(3, 4, 500), rel=1e-12)
    assert plugin.plugin_bias(3, 4, 500) == pytest.approx(6 / (1000 * LN2))


def test_the_plugin_bias_of_independent_variables_and_its_correction():
    """2 n ln 2 times the plug-in estimate is the G statistic, about chi-square with (|X|-1)(|Y|-1) dof."""
    n, repeats = 200, 2000
    estimates = np.array([[plugin.plugin_information(*ground_truth.sample_table(np.full((4, 5), 0.05), n, seed=s),
                                                     miller_madow=mm) for mm in (False, True)]
                          for s in range(repeats)])
    bias = plugin.plugin_bias(4, 5, n)
    assert estimates[:, 0].mean() == pytest.approx(bias, rel=0.05)  # relative s.e. of the mean: 0.9 %
    assert abs(estimates[:, 1].mean()) < 0.05 * bias
    assert np.all(estimates[:, 0] >= -1e-12)  # the plug-in estimate is never negative


def test_plugin_is_at_most_log2_n():
    x, y = ground_truth.sample_table(joints.discretised_gaussian(0.9, n=30), 64, seed=0)
    assert plugin.plugin_information(x, y) <= np.log2(64) + 1e-12


def test_binned_estimates():
    x, y = ground_truth.correlated_gaussians(2000, 1, 0.8, seed=3)
    assert plugin.binned_information(x, y, bins=1) == 0.0
    # one bin per sample: every symbol distinct, the estimate is log2 n whatever the truth
    assert plugin.binned_information(x, y, bins=2000, spacing="mass") == pytest.approx(np.log2(2000), abs=1e-12)
    # equal-mass bins depend on ranks only: a strictly increasing map of y changes nothing
    for bins in (3, 10, 40):
        assert (plugin.binned_information(x, ground_truth.cubic(y), bins=bins, spacing="mass")
                == plugin.binned_information(x, y, bins=bins, spacing="mass"))
    # equal-width bins on [min, max] do notice the cube (most of y^3 falls in the middle bins)
    assert (plugin.binned_information(x, ground_truth.cubic(y), bins=10)
            < plugin.binned_information(x, y, bins=10) - 0.1)
    # coarse bins lose information (data processing): below the truth
    assert plugin.binned_information(x, y, bins=2, spacing="mass") < ground_truth.gaussian_information(0.8, 1)


def test_binned_with_enough_samples_approaches_the_truth():
    x, y = ground_truth.correlated_gaussians(200_000, 1, 0.8, seed=5)
    truth = ground_truth.gaussian_information(0.8, 1)
    assert plugin.binned_information(x, y, bins=40, spacing="mass", miller_madow=True) == pytest.approx(truth, abs=0.03)


@pytest.mark.parametrize("call, error, name", [
    (lambda: plugin.plugin_information(np.array([0.0, 1.0]), np.array([0, 1])), TypeError, "x"),
    (lambda: plugin.plugin_information(np.array([0, 1]), np.array([True, False])), TypeError, "y"),
    (lambda: plugin.plugin_information(np.array([0, 1, 2]), np.array([0, 1])), ValueError, "x and y"),
    (lambda: plugin.plugin_information(np.array([], dtype=int), np.array([], dtype=int)), ValueError, "x"),
    (lambda: plugin.plugin_information(np.zeros((2, 2, 2), int), np.zeros(2, int)), ValueError, "x"),
    (lambda: plugin.plugin_information(np.array([0, 1]), np.array([0, 1]), miller_madow=1), TypeError,
     "miller_madow"),
    (lambda: plugin.plugin_bias(0, 2, 10), ValueError, "x_states"),
    (lambda: plugin.plugin_bias(2, 2, 2.5), TypeError, "n"),
    (lambda: plugin.binned_information(np.array([0.0, np.nan]), np.zeros(2), bins=3), ValueError, "x"),
    (lambda: plugin.binned_information(np.zeros(3), np.zeros(3), bins=2.7), TypeError, "bins"),
    (lambda: plugin.binned_information(np.zeros(3), np.zeros(3), bins=0), ValueError, "bins"),
    (lambda: plugin.binned_information(np.zeros(3), np.zeros(3), bins=3, spacing="quantile"), ValueError,
     "spacing"),
])
def test_bad_inputs_are_rejected_by_name(call, error, name):
    with pytest.raises(error, match=name):
        call()
