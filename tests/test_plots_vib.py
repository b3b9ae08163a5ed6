"""The Section 4 figure helpers of ibcourse.plots: what they draw, and bad input."""

import matplotlib.pyplot as plt
import numpy as np
import pytest

from ibcourse import plots


@pytest.fixture
def ax():
    fig, ax = plt.subplots()
    yield ax
    plt.close(fig)


def test_mean_and_spread_draws_the_seed_mean_with_sd_bars(ax):
    values = np.array([[1.0, 3.0], [2.0, 2.0], [5.0, 7.0]])
    plots.mean_and_spread(ax, [1, 2, 3], values, label="error")
    line = ax.lines[0]
    assert np.allclose(line.get_ydata(), [2.0, 2.0, 6.0])
    assert ax.get_legend_handles_labels()[1] == ["error"]
    with pytest.raises(ValueError, match="values must have shape"):
        plots.mean_and_spread(ax, [1, 2], values, label="error")


def test_vacuous_beyond_shades_from_the_limit_to_the_axis_end(ax):
    ax.plot([1, 100], [0, 3])
    ax.set_xscale("log")
    plots.vacuous_beyond(ax, 10.4, axis="x", label="log2 n")
    assert ax.get_xlim()[1] >= 100
    assert np.allclose(ax.lines[-1].get_xdata(), [10.4, 10.4])
    plots.vacuous_beyond(ax, 50.0, axis="y")
    assert ax.get_ylim()[1] >= 1.3 * 50.0  # the limit above the data is still shown
    with pytest.raises(ValueError, match="axis"):
        plots.vacuous_beyond(ax, 1.0, axis="z")


def test_rate_map_sorts_each_beta_and_adds_a_colour_bar(ax):
    rates = np.array([[0.1, 2.0, 0.5], [0.01, 0.02, 0.03]])
    plots.rate_map(ax, [1e-3, 1.0], rates)
    image = ax.images[0].get_array()
    assert np.allclose(image[:, 0], [2.0, 0.5, 0.1]) and np.allclose(image[:, 1], [0.03, 0.02, 0.01])
    assert len(ax.figure.axes) == 2  # the colour bar
    with pytest.raises(ValueError, match="positive"):
        plots.rate_map(ax, [1.0], np.zeros((1, 3)))
    with pytest.raises(ValueError, match="rates must have shape"):
        plots.rate_map(ax, [1.0, 2.0], rates[:1])
