"""The information-plane figures and the bins slider of notebook 2."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from ibcourse import estimators, plots, widgets  # noqa: E402


def _activations(layers=3, epochs=(0, 1, 3, 10)):
    rng = np.random.default_rng(0)
    gain = np.geomspace(0.5, 20, len(epochs))[:, None, None]
    return {f"act{k}": np.tanh(gain * rng.normal(size=(1, 200, 2))) for k in range(1, layers + 1)}, \
        rng.integers(0, 2, size=200), np.array(epochs)


def test_plane_has_a_legend_per_layer_and_no_text_labels():
    acts, y, epochs = _activations()
    plane = estimators.information_plane(acts, y, epochs, progress=False)
    fig, ax = plt.subplots()
    plots.information_plane(ax, plane, h_y=1.0)
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["act1", "act2", "act3", "H(Y)"]
    assert not ax.texts, "layers are told apart by markers and a legend, not by text that can overprint"
    markers = {c.get_paths()[0].vertices.tobytes() for c in ax.collections[::2]}
    assert len(markers) == 3, "one marker per layer"
    assert ax.get_xlabel() == "I(X;T) of the binned layer [bits]"
    assert ax.get_ylim()[1] > 1.0 + 0.01, "the H(Y) line sits inside the frame, not on its edge"
    assert ax.get_legend().get_texts()[0].get_fontsize() >= 9, "a legend that reads"
    plt.close(fig)


def test_curves_against_epoch_keep_their_legend_off_the_curves():
    acts, y, epochs = _activations()
    plane = estimators.information_plane(acts, y, epochs, progress=False)
    fig, axes = plt.subplots(1, 2)
    plots.information_vs_epoch(axes, plane)
    for ax in axes:
        legend = ax.get_legend()
        assert [t.get_text() for t in legend.get_texts()] == ["act1", "act2", "act3"]
        fig.canvas.draw()
        assert legend.get_window_extent().y1 <= ax.get_window_extent().y0, "the legend sits below the axes"
    plt.close(fig)


@pytest.mark.parametrize("estimator, x_label, y_label", [
    ("exact", "I(X;T) = H(T), exact [bits]", "I(T;Y), exact [bits]"),
    ("kde", "I(X;T), KDE upper bound [bits]", "I(T;Y), KDE estimate [bits]"),
])
def test_axis_labels_say_which_quantity(estimator, x_label, y_label):
    acts, y, epochs = _activations()
    plane = estimators.information_plane(acts, y, epochs, estimator=estimator, progress=False)
    fig, ax = plt.subplots()
    plots.information_plane(ax, plane)
    assert (ax.get_xlabel(), ax.get_ylabel()) == (x_label, y_label)
    plt.close(fig)


def test_kde_bracket_against_epoch():
    acts, y, epochs = _activations()
    plane = estimators.information_plane(acts, y, epochs, estimator="kde", progress=False)
    fig, axes = plt.subplots(1, 2)
    plots.information_vs_epoch(axes, plane)
    assert axes[0].get_ylabel() == "I(X;T), KDE bounds [bits]"
    assert axes[1].get_ylabel() == "I(T;Y), KDE estimates [bits]"
    assert len(axes[0].collections) == 3 and not axes[1].collections, "a shaded bracket for I(X;T) only"
    assert len(axes[0].lines) == 6, "upper and lower bound of each layer"
    labels = [t.get_text() for t in axes[0].get_legend().get_texts()]
    assert labels[-2:] == ["upper bound", "lower bound"], "the legend says which line is which bound"
    assert [t.get_text() for t in axes[1].get_legend().get_texts()][-2:] == ["from upper bounds", "from lower bounds"]
    plt.close(fig)


def test_heatmap_rows_are_layers_and_columns_recordings():
    acts, y, epochs = _activations(epochs=(0, 1, 2, 5, 10, 30, 100))
    plane = estimators.information_plane(acts, y, epochs, estimator="exact", progress=False)
    fig, ax = plt.subplots()
    mesh = plots.information_heatmap(ax, plane, vmin=0, vmax=12)
    assert np.array_equal(mesh.get_array().reshape(3, 7), plane.i_xt.T)
    assert [t.get_text() for t in ax.get_yticklabels()] == ["act1", "act2", "act3"]
    assert ax.get_xscale() == "symlog" and ax.get_xlim() == (0.0, 135.0)
    assert ax.get_ylim() == (3.0, 0.0), "the input side on top"
    assert ax.get_ylabel() == "layer"
    assert fig.axes[-1].get_ylabel() == "I(X;T) = H(T), exact [bits]", "a colour bar that names the quantity"
    one = estimators.information_plane(acts, y, epochs, estimator="exact", epoch_index=[2], progress=False)
    with pytest.raises(ValueError, match="2 recordings"):
        plots.information_heatmap(ax, one)
    plt.close(fig)


def test_too_many_layers_for_the_markers():
    acts, y, epochs = _activations(layers=len(plots.LAYER_MARKERS) + 1, epochs=(0, 1))
    plane = estimators.information_plane(acts, y, epochs, progress=False)
    fig, ax = plt.subplots()
    with pytest.raises(ValueError, match="layers"):
        plots.information_plane(ax, plane)
    plt.close(fig)


def test_bins_slider_redraws_with_a_fresh_estimate(monkeypatch):
    acts, y, epochs = _activations()
    asked, grids = [], []
    estimate = estimators.information_plane

    def spy(*args, **kwargs):
        asked.append(kwargs["bins"])
        grids.append(kwargs["value_range"])
        return estimate(*args, **kwargs)

    monkeypatch.setattr(widgets.estimators, "information_plane", spy)
    explorer = widgets.bins_explorer(acts, y, epochs, title="test,", h_y=1.0)
    slider = explorer.children[0]
    slider.value = 1_000_000
    assert asked == [30, 1_000_000]
    per_layer = {"act1": (-1, 1), "act2": (-1, 1), "act3": (0, 1)}
    widgets.bins_explorer(acts, y, epochs, value_range=per_layer)
    assert asked[-1] == 30 and grids[-1] is per_layer, "each layer binned on its own grid"
    plt.close("all")


def test_against_truth_draws_the_identity_the_means_and_the_caps():
    fig, ax = plt.subplots()
    truth = np.array([1.0, 2.0, 4.0])
    plots.against_truth(ax, truth, {"KSG": np.array([[1.0, 1.2], [2.0, 1.8], [3.0, 3.4]])}, caps={"log2 n": 10.0})
    assert np.allclose(ax.lines[0].get_ydata(), truth)  # y = x
    assert np.allclose(ax.lines[1].get_ydata(), [1.1, 1.9, 3.2])  # the means
    assert sorted(ax.get_legend_handles_labels()[1]) == ["KSG", "log2 n", "the true value"]
    assert "bits" in ax.get_xlabel() and "bits" in ax.get_ylabel()
    with pytest.raises(ValueError, match="values must have shape"):
        plots.against_truth(ax, truth, {"KSG": np.zeros((2, 2))})
    with pytest.raises(TypeError, match="estimates"):
        plots.against_truth(ax, truth, {})
    plt.close(fig)


def test_critic_curves_draws_each_member_and_says_when_values_are_clipped():
    fig, ax = plt.subplots()
    truth = np.repeat([1.0, 3.0], 5)
    estimates = np.stack([truth - 0.5, truth - 0.2], axis=1)
    plots.critic_curves(ax, truth, estimates, cap=6.0, frozen={4: np.array([0.4, 0.6]), 9: np.array([2.0])},
                        title="DV")
    assert len(ax.lines) >= 4 and ax.get_title() == "DV"
    assert np.allclose(ax.lines[0].get_ydata(), truth - 0.5)
    estimates[3, 1] = -50.0
    plots.critic_curves(ax, truth, estimates, ylim=(-5, 10), title="DV")
    assert ax.get_title().endswith("(some values off the axis)")
    with pytest.raises(ValueError, match="estimates must have shape"):
        plots.critic_curves(ax, truth, estimates[:3])
    plt.close(fig)
