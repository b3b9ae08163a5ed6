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


def test_latent_ellipses_axes_are_in_prior_standard_deviations(ax):
    mean, std = np.array([[0.0, 1.0], [2.0, -1.0]]), np.full((2, 2), 0.5)
    plots.latent_ellipses(ax, mean, std, np.array([3, 7]), title="t")
    assert "prior standard deviations" in ax.get_xlabel() and "prior standard deviations" in ax.get_ylabel()
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["3", "7"]
    with pytest.raises(ValueError, match="shape"):
        plots.latent_ellipses(ax, mean[:, :1], std, np.array([3, 7]))


def test_rate_distortion_draws_coinciding_betas_as_concentric_marks(ax):
    betas = [1.0, 8.0, 16.0]
    rates, distortions = np.array([10.0, 0.2, 0.2]), np.array([120.0, 154.0, 154.0])
    plots.rate_distortion(ax, betas, {"train": (rates, distortions), "test": (rates + 0.1, distortions + 2)})
    points = [c for c in ax.collections if len(c.get_offsets())]
    assert len(points) == 2
    sizes = points[0].get_sizes()
    assert np.all(np.diff(sizes) < 0), "drawn largest first, so the smaller marks stay on top"
    labels = ax.get_legend_handles_labels()[1]
    assert labels == ["train", "test", "beta = 1", "beta = 8", "beta = 16"]
    assert "[bits]" in ax.get_xlabel() and "[bits per image]" in ax.get_ylabel()
    with pytest.raises(ValueError, match="shape"):
        plots.rate_distortion(ax, betas, {"train": (rates[:2], distortions)})
    with pytest.raises(TypeError, match="curves"):
        plots.rate_distortion(ax, betas, [(rates, distortions)])


def test_rate_distortion_zooms_on_the_chosen_betas(ax):
    betas = [1.0, 8.0, 16.0]
    rates, distortions = np.array([10.0, 0.17, 0.21]), np.array([120.0, 154.25, 154.39])
    plots.rate_distortion(ax, betas, {"train": (rates, distortions)}, zoom_on=[8.0, 16.0])
    inset, = ax.child_axes
    low, high = inset.get_xlim()
    assert low < 0.17 and 0.21 < high and high - low < 1, "the inset magnifies the collapsed points"
    assert "8, 16" in inset.get_title() and "[bits]" in inset.get_xlabel()
    with pytest.raises(ValueError, match="zoom_on"):
        plots.rate_distortion(ax, betas, {"train": (rates, distortions)}, zoom_on=[3.0])


def test_factor_information_prints_every_value_and_checks_the_shape(ax):
    values = np.array([[0.1, 0.9], [0.5, 0.0], [0.3, 0.2]])
    plots.factor_information(ax, values, ["shape", "size"])
    assert sorted(t.get_text() for t in ax.texts) == sorted(f"{v:.2f}" for v in values.ravel())
    assert [t.get_text() for t in ax.get_xticklabels()] == ["shape", "size"]
    with pytest.raises(ValueError, match="values"):
        plots.factor_information(ax, values, ["shape"])


def test_image_grid_lays_out_rows_and_columns_with_gaps(ax):
    images = np.random.default_rng(0).random((2, 3, 4, 5))
    plots.image_grid(ax, images, row_labels=["a", "b"], column_labels=["x", "y", "z"])
    canvas = ax.images[0].get_array()
    assert canvas.shape == (2 * 5 - 1, 3 * 6 - 1)
    assert np.allclose(canvas[5:9, 6:11], images[1, 1])
    with pytest.raises(ValueError, match="images"):
        plots.image_grid(ax, images[0])
