import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import integrate

from ibcourse import data, estimators, info


def loop_reference(t, y, bins, low, high):
    """A slow, obvious version: a dictionary of bin-vector counts, row by row."""
    width = (high - low) / bins
    joint, marginal = {}, {}
    for row, label in zip(t, y):
        key = tuple(min(max(int(np.floor((v - low) / width)), 0), bins - 1) for v in row)
        marginal[key] = marginal.get(key, 0) + 1
        joint[key, label] = joint.get((key, label), 0) + 1
    h = lambda counts: info.entropy(np.array(list(counts)) / len(t))  # noqa: E731
    h_y = info.entropy(np.bincount(y) / len(y))
    return h(marginal.values()), h(marginal.values()) + h_y - h(joint.values())


def test_known_layers():
    X, y = data.szt_12bit()
    h_y = info.entropy(np.bincount(y) / len(y))
    identity = estimators.binned_information(2 * X - 1, y)
    assert identity.i_xt == pytest.approx(12.0, abs=1e-12) and identity.i_ty == pytest.approx(h_y, abs=1e-12)
    constant = estimators.binned_information(np.full((4096, 3), 0.3), y)
    assert constant.i_xt == 0.0 and constant.i_ty == 0.0
    label = estimators.binned_information(y[:, None].astype(float), y, value_range=None)
    assert label.i_xt == pytest.approx(h_y, abs=1e-12) and label.i_ty == pytest.approx(h_y, abs=1e-12)


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 10 ** 6), st.integers(1, 6), st.integers(2, 40), st.integers(2, 4))
def test_binned_matches_loop_reference_and_invariants(seed, units, bins, classes):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, classes, size=300)
    t = np.tanh(rng.normal(size=(300, units)) * rng.uniform(0.1, 3) + y[:, None])
    got = estimators.binned_information(t, y, bins=bins)
    want = loop_reference(t, y, bins, -1.0, 1.0)
    assert got.i_xt == pytest.approx(want[0], abs=1e-9) and got.i_ty == pytest.approx(want[1], abs=1e-9)
    h_y = info.entropy(np.bincount(y) / len(y))
    assert 0 <= got.i_ty <= min(got.i_xt, h_y) + 1e-9 and got.i_xt <= np.log2(300) + 1e-9
    # the order of the units does not matter
    swapped = estimators.binned_information(t[:, ::-1], y, bins=bins)
    assert swapped.i_xt == pytest.approx(got.i_xt, abs=1e-12)


def test_wide_layer_uses_row_sort_and_agrees():
    rng = np.random.default_rng(3)
    y = rng.integers(0, 2, size=200)
    t = np.tanh(rng.normal(size=(200, 20)) * 0.05)  # 30 ** 20 overflows an int64 code
    got = estimators.binned_information(t, y)
    assert (got.i_xt, got.i_ty) == pytest.approx(loop_reference(t, y, 30, -1.0, 1.0), abs=1e-9)


def test_values_outside_the_grid_saturate_into_the_end_bins():
    y = np.array([0, 1, 0, 1])
    t = np.array([[1.5], [7.0], [-3.0], [-1.2]])  # two above the grid, two below
    assert estimators.binned_information(t, y).i_xt == pytest.approx(1.0)
    assert estimators.binned_information(t, y, value_range=None).i_xt == pytest.approx(2.0)


def test_more_bins_never_lose_information_on_nested_grids():
    rng = np.random.default_rng(5)
    y = rng.integers(0, 2, size=500)
    t = np.tanh(rng.normal(size=(500, 3)))
    values = [estimators.binned_information(t, y, bins=b).i_xt for b in (2, 4, 8, 16, 32)]
    assert np.all(np.diff(values) >= -1e-12)


@pytest.mark.parametrize("call, message", [
    (lambda: estimators.binned_information(np.zeros(4), np.zeros(4, int)), "shape"),
    (lambda: estimators.binned_information(np.zeros((4, 1)), np.zeros(3, int)), "match"),
    (lambda: estimators.binned_information(np.zeros((4, 1)), np.zeros(4)), "integer"),
    (lambda: estimators.binned_information(np.full((4, 1), np.nan), np.zeros(4, int)), "finite"),
    (lambda: estimators.binned_information(np.zeros((0, 1)), np.zeros(0, int)), "empty"),
    (lambda: estimators.binned_information(np.zeros((4, 1)), np.zeros(4, int), bins=0), "bins"),
    (lambda: estimators.binned_information(np.zeros((4, 1)), np.zeros(4, int), value_range=(1, -1)), "low < high"),
    (lambda: estimators.kde_information(np.zeros((4, 1)), np.zeros(4, int), noise_var=0), "noise_var"),
    (lambda: estimators.kde_information(np.zeros((4, 1)), np.zeros(4, int), chunk=0), "chunk"),
])
def test_bad_input(call, message):
    with pytest.raises((ValueError, TypeError), match=message):
        call()


def mixture_information_bits(points, noise_var):
    """I(X;T) for T = h(X) + N(0, noise_var), X uniform over 1-D points: by numerical integration."""
    sd = np.sqrt(noise_var)
    density = lambda v: np.mean(np.exp(-(v - points) ** 2 / (2 * noise_var))) / np.sqrt(2 * np.pi * noise_var)  # noqa: E731
    h_t = integrate.quad(lambda v: -density(v) * np.log(density(v)) if density(v) > 0 else 0.0,
                         points.min() - 12 * sd, points.max() + 12 * sd, limit=400, epsabs=1e-11)[0]
    return (h_t - 0.5 * np.log(2 * np.pi * np.e * noise_var)) / np.log(2)


@pytest.mark.parametrize("points", [np.array([0.0, 0.5, 2.0]), np.array([0.0, 0.1, 0.2, 1.0, 1.1]),
                                    np.linspace(-1, 1, 9)])
@pytest.mark.parametrize("noise_var", [0.01, 0.1, 1.0])
def test_kde_bounds_bracket_the_exact_mixture_information(points, noise_var):
    y = np.arange(len(points)) % 2
    exact = mixture_information_bits(points, noise_var)
    bounds = estimators.kde_information(points[:, None], y, noise_var=noise_var)
    assert bounds.i_xt_lower - 1e-9 <= exact <= bounds.i_xt + 1e-9
    assert bounds.i_xt_lower < bounds.i_xt


def test_kde_limits():
    y = np.array([0, 0, 1, 1])
    far = estimators.kde_information(np.array([[0.0], [100.0], [200.0], [300.0]]), y, noise_var=0.1)
    assert far.i_xt == pytest.approx(2.0, abs=1e-9) and far.i_xt_lower == pytest.approx(2.0, abs=1e-9)
    assert far.i_ty == pytest.approx(1.0, abs=1e-9)
    same = estimators.kde_information(np.zeros((4, 2)), y, noise_var=0.1)
    assert same.i_xt == pytest.approx(0.0, abs=1e-12) and same.i_ty == pytest.approx(0.0, abs=1e-12)
    # two tight, far-apart clusters, one per class: I(T;Y) = H(Y) = 1 bit, I(X;T) = 1 bit
    clusters = np.array([[0.0], [0.001], [50.0], [50.001]])
    est = estimators.kde_information(clusters, y, noise_var=0.1)
    assert est.i_ty == pytest.approx(1.0, abs=1e-4) and est.i_xt == pytest.approx(1.0, abs=1e-4)


def test_kde_chunking_does_not_change_the_result():
    rng = np.random.default_rng(0)
    t, y = rng.normal(size=(300, 3)), rng.integers(0, 3, size=300)
    a = estimators.kde_information(t, y, chunk=7)
    b = estimators.kde_information(t, y, chunk=1000)
    assert a.i_xt == pytest.approx(b.i_xt, abs=1e-10) and a.i_ty == pytest.approx(b.i_ty, abs=1e-10)


def test_information_plane_shapes_span_and_compression():
    rng = np.random.default_rng(1)
    y = rng.integers(0, 2, size=200)
    acts = {"a": rng.normal(size=(5, 200, 3)) * np.arange(1, 6)[:, None, None], "b": np.tanh(rng.normal(size=(5, 200, 2)))}
    plane = estimators.information_plane(acts, y, [0, 1, 2, 4, 8], value_range="span")
    assert plane.i_xt.shape == (5, 2) and plane.layers == ("a", "b")
    low, high = acts["a"].min(), acts["a"].max()
    assert plane.i_xt[2, 0] == estimators.binned_information(acts["a"][2], y, value_range=(low, high)).i_xt
    assert np.allclose(plane.compression(), plane.i_xt.max(0) - plane.i_xt[-1])
    kde = estimators.information_plane(acts, y, [0, 1, 2, 4, 8], estimator="kde", epoch_index=[0, 4])
    assert list(kde.epochs) == [0, 8] and kde.i_xt.shape == (2, 2)
    with pytest.raises(ValueError, match="estimator"):
        estimators.information_plane(acts, y, [0, 1, 2, 4, 8], estimator="pca")
    with pytest.raises(ValueError, match="epochs"):
        estimators.information_plane(acts, y, [0, 1, 2])
