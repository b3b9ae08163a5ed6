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


def test_exact_information_known_layers():
    X, y = data.szt_12bit()
    h_y = info.entropy(np.bincount(y) / len(y))
    identity = estimators.exact_information(2 * X - 1, y)
    assert identity.i_xt == pytest.approx(12.0, abs=1e-12) and identity.i_ty == pytest.approx(h_y, abs=1e-12)
    # a tanh of a linear map with generic (random) weights is injective on the 4096 inputs: 12 bits
    rng = np.random.default_rng(0)
    tanh_layer = np.tanh(X @ rng.normal(size=(12, 3)) + rng.normal(size=3)).astype(np.float32)
    assert estimators.exact_information(tanh_layer, y).i_xt == pytest.approx(12.0, abs=1e-12)
    # a ReLU layer merges every input whose pre-activations are all negative into the zero vector
    pre = X @ rng.normal(size=(12, 3)) - 2.0
    relu_layer = np.maximum(pre, 0)
    zero = np.all(relu_layer == 0, axis=1)
    q = zero.mean()
    assert 0.05 < q < 0.95
    want = -(q * np.log2(q)) + (1 - q) * np.log2(4096)  # one symbol of mass q, the rest distinct
    assert estimators.exact_information(relu_layer, y).i_xt == pytest.approx(want, abs=1e-9)
    constant = estimators.exact_information(np.zeros((4096, 2)), y)
    assert constant.i_xt == 0.0 and constant.i_ty == 0.0


def test_exact_information_compares_numbers_not_bytes():
    y = np.array([0, 1, 0, 1])
    t = np.array([[0.0, 1.0], [-0.0, 1.0], [0.0, 2.0], [1e-30, 2.0]], dtype=np.float32)
    assert estimators.exact_information(t, y).i_xt == pytest.approx(1.5)  # {0,1} twice, then two distinct
    ints = np.array([[1, 2], [1, 2], [3, 4], [5, 6]])
    assert estimators.exact_information(ints, y).i_xt == pytest.approx(1.5)


@settings(max_examples=30, deadline=None)
@given(st.integers(0, 10 ** 6), st.integers(1, 4), st.integers(2, 4))
def test_exact_is_binning_on_a_grid_fine_enough_and_bounds_every_binning(seed, units, classes):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, classes, size=200)
    t = rng.integers(-3, 4, size=(200, units)) / 4.0  # few distinct values: ties between rows
    exact = estimators.exact_information(t, y)
    fine = estimators.binned_information(t, y, bins=1000, value_range=(-1.0, 1.0))
    assert (exact.i_xt, exact.i_ty) == pytest.approx((fine.i_xt, fine.i_ty), abs=1e-9)
    assert (exact.i_xt, exact.i_ty) == pytest.approx(loop_reference(t, y, 10 ** 6, -1.0, 1.0), abs=1e-9)
    for bins in (2, 5, 30):  # binning is a function of the layer: it never has more information than the layer
        coarse = estimators.binned_information(t, y, bins=bins)
        assert coarse.i_xt <= exact.i_xt + 1e-9 and coarse.i_ty <= exact.i_ty + 1e-9


def test_exact_information_bad_input():
    with pytest.raises(ValueError, match="finite"):
        estimators.exact_information(np.array([[np.nan], [0.0]]), np.array([0, 1]))
    with pytest.raises(ValueError, match="shape"):
        estimators.exact_information(np.zeros(3), np.zeros(3, int))
    with pytest.raises(TypeError, match="integer"):
        estimators.exact_information(np.zeros((3, 1)), np.zeros(3))


def test_information_plane_grid_per_layer():
    rng = np.random.default_rng(5)
    y = rng.integers(0, 2, size=120)
    acts = {"hidden": np.tanh(rng.normal(size=(3, 120, 2)) * [[[1.0]], [[3.0]], [[9.0]]]),
            "relu": np.maximum(rng.normal(size=(3, 120, 2)) * 4, 0),
            "out": rng.dirichlet([0.3, 0.3], size=(3, 120))}
    grids = {"hidden": (-1, 1), "relu": "span", "out": (0, 1)}
    plane = estimators.information_plane(acts, y, [0, 1, 2], value_range=grids, progress=False)
    span = (acts["relu"].min(), acts["relu"].max())
    for e in range(3):
        for j, (name, grid) in enumerate([("hidden", (-1, 1)), ("relu", span), ("out", (0, 1))]):
            assert plane.i_xt[e, j] == estimators.binned_information(acts[name][e], y, value_range=grid).i_xt
    on_tanh_grid = estimators.information_plane(acts, y, [0, 1, 2], value_range=(-1, 1), progress=False)
    assert on_tanh_grid.i_xt[2, 2] != plane.i_xt[2, 2], "the output's own grid differs from (-1, 1)"
    seen = []

    def mine(t, labels, value_range):
        seen.append(value_range)
        return 0.0, 0.0

    estimators.information_plane(acts, y, [0, 1, 2], estimator=mine, value_range=grids, progress=False)
    assert seen[3:6] == [span] * 3 and seen[6] == (0.0, 1.0), "a function gets each layer's grid, 'span' resolved"
    for bad, message in [({"hidden": (-1, 1), "relu": "span"}, "missing \\['out'\\]"),
                         ({**grids, "act9": (0, 1)}, "not a layer \\['act9'\\]"),
                         ({**grids, "out": "spam"}, "value_range\\['out'\\]"),
                         ({**grids, "out": (1, 0)}, "value_range\\['out'\\]")]:
        with pytest.raises(ValueError, match=message):
            estimators.information_plane(acts, y, [0, 1, 2], value_range=bad, progress=False)
    with pytest.raises(ValueError, match="does not bin"):
        estimators.information_plane(acts, y, [0, 1, 2], estimator="exact", value_range=grids, progress=False)


def test_information_plane_exact_custom_and_kde_bounds():
    rng = np.random.default_rng(2)
    y = rng.integers(0, 2, size=150)
    acts = {"a": np.maximum(rng.normal(size=(3, 150, 2)) - 0.5, 0), "b": np.tanh(rng.normal(size=(3, 150, 3)))}
    exact = estimators.information_plane(acts, y, [0, 5, 10], estimator="exact", progress=False)
    assert exact.estimator == "exact" and exact.i_xt_lower is None
    assert exact.i_xt[1, 0] == estimators.exact_information(acts["a"][1], y).i_xt
    assert np.allclose(exact.i_xt[:, 1], np.log2(150))

    def my_estimator(t, labels):
        result = estimators.exact_information(t, labels)
        return result.i_xt, result.i_ty

    mine = estimators.information_plane(acts, y, [0, 5, 10], estimator=my_estimator, progress=False)
    assert mine.estimator == "my_estimator" and np.array_equal(mine.i_xt, exact.i_xt)
    labelled = estimators.information_plane(acts, y, [0, 5, 10], estimator=my_estimator, label="exact", progress=False)
    assert labelled.estimator == "exact"
    kde = estimators.information_plane(acts, y, [0, 5, 10], estimator="kde", epoch_index=[0, 2], noise_var=0.1,
                                       progress=False)
    assert kde.estimator == "kde" and kde.i_xt_lower.shape == (2, 2) and np.all(kde.i_xt_lower < kde.i_xt)
    single = estimators.kde_information(acts["b"][2], y, noise_var=0.1)
    assert (kde.i_xt_lower[1, 1], kde.i_ty_lower[1, 1]) == (single.i_xt_lower, single.i_ty_lower)


def test_information_plane_shows_progress_only_when_asked(capsys):
    rng = np.random.default_rng(4)
    y = rng.integers(0, 2, size=100)
    acts = {"a": np.tanh(rng.normal(size=(2, 100, 2)))}
    estimators.information_plane(acts, y, [0, 1], estimator="kde", progress=False)
    assert capsys.readouterr().err == ""

    def slow(t, labels):
        import time
        time.sleep(0.7)
        return 0.0, 0.0

    estimators.information_plane(acts, y, [0, 1], estimator=slow)  # 1.4 s: past the bar's 1 s delay
    assert "slow estimates" in capsys.readouterr().err


@pytest.mark.parametrize("kwargs, error, message", [
    ({"estimator": "pca"}, ValueError, "estimator"),
    ({"estimator": lambda t, y: "twelve"}, TypeError, "pair"),
    ({"estimator": lambda t, y: "12"}, TypeError, "pair"),
    ({"epoch_index": [0, 3]}, ValueError, "epoch_index"),
    ({"epoch_index": [0.5]}, TypeError, "epoch_index"),
    ({"label": ""}, TypeError, "label"),
])
def test_information_plane_bad_input(kwargs, error, message):
    acts = {"a": np.zeros((3, 10, 2))}
    with pytest.raises(error, match=message):
        estimators.information_plane(acts, np.zeros(10, int), [0, 1, 2], progress=False, **kwargs)


def test_largest_group():
    t = np.array([[0.0, 1.0], [0.0, 0.0], [-0.0, 0.0], [2.0, 3.0], [0.0, 0.0]], dtype=np.float32)
    count, row = estimators.largest_group(t)
    assert count == 3 and np.array_equal(row, [0.0, 0.0])
    assert estimators.largest_group(np.eye(4))[0] == 1
    with pytest.raises(ValueError, match="shape"):
        estimators.largest_group(np.zeros(3))
    with pytest.raises(ValueError, match="finite"):
        estimators.largest_group(np.array([[np.inf]]))


# ---------------------------------------------------------------------------- the noisy layer, by Monte Carlo
@pytest.mark.parametrize("points", [np.array([0.0, 0.5, 2.0]), np.linspace(-1, 1, 9)])
@pytest.mark.parametrize("noise_var", [0.01, 0.1, 1.0])
def test_noisy_information_agrees_with_numerical_integration(points, noise_var):
    y = np.arange(len(points)) % 2
    exact = mixture_information_bits(points, noise_var)
    est = estimators.noisy_information(points[:, None], y, noise_var=noise_var, samples=4000, seed=1)
    assert abs(est.i_xt - exact) < 4 * est.i_xt_error + 1e-9
    assert 0 < est.i_xt_error < 0.05
    bounds = estimators.kde_information(points[:, None], y, noise_var=noise_var)
    assert bounds.i_xt_lower - 4 * est.i_xt_error <= est.i_xt <= bounds.i_xt + 4 * est.i_xt_error


def test_noisy_information_limits_and_seed():
    y = np.array([0, 0, 1, 1])
    far = estimators.noisy_information(np.array([[0.0], [100.0], [200.0], [300.0]]), y, noise_var=0.1)
    assert far.i_xt == pytest.approx(2.0, abs=1e-9) and far.i_ty == pytest.approx(1.0, abs=1e-9)
    same = estimators.noisy_information(np.zeros((4, 2)), y, noise_var=0.1)
    assert same.i_xt == pytest.approx(0.0, abs=1e-12) and same.i_ty == pytest.approx(0.0, abs=1e-12)
    rng = np.random.default_rng(0)
    t, labels = rng.normal(size=(200, 2)), rng.integers(0, 2, 200)
    a, b = (estimators.noisy_information(t, labels, noise_var=0.3, seed=s) for s in (5, 5))
    c = estimators.noisy_information(t, labels, noise_var=0.3, seed=6)
    assert a == b and a != c
    assert estimators.noisy_information(t, labels, noise_var=0.3, chunk=7).i_xt == pytest.approx(
        estimators.noisy_information(t, labels, noise_var=0.3).i_xt, abs=1e-10)
    plane = estimators.information_plane({"t": t[None]}, labels, [0], estimator="noisy", noise_var=0.3)
    assert plane.estimator == "noisy"
    assert plane.i_xt[0, 0] == pytest.approx(estimators.noisy_information(t, labels, noise_var=0.3).i_xt)


@pytest.mark.parametrize("kwargs, message", [({"noise_var": 0.0}, "noise_var"), ({"noise_var": 0.1, "samples": 0}, "samples"),
                                             ({"noise_var": 0.1, "seed": -1}, "seed")])
def test_noisy_information_bad_input(kwargs, message):
    with pytest.raises(ValueError, match=message):
        estimators.noisy_information(np.zeros((4, 2)), np.arange(4) % 2, **kwargs)


def test_span_of_a_constant_layer_is_one_bin():
    y = np.array([0, 1, 0, 1])
    dead = {"relu": np.zeros((3, 4, 2))}  # a ReLU layer that is 0 at every epoch
    plane = estimators.information_plane(dead, y, [0, 1, 2], value_range="span", progress=False)
    assert np.all(plane.i_xt == 0) and np.all(plane.i_ty == 0)
