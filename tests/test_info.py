import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from ibcourse import info


def joints(max_side=5):
    """Hypothesis strategy: random joint tables with some exact zeros."""
    shapes = st.tuples(st.integers(1, max_side), st.integers(1, max_side))
    return shapes.flatmap(lambda s: arrays(np.float64, s, elements=st.floats(0, 1))).filter(
        lambda a: a.sum() > 1e-3).map(lambda a: a / a.sum())


def test_entropy_analytic():
    assert info.entropy([0.5, 0.5]) == pytest.approx(1.0, abs=1e-15)
    assert info.entropy([1.0, 0.0]) == 0.0
    assert info.entropy(np.full(8, 1 / 8)) == pytest.approx(3.0, abs=1e-14)
    h = -(0.9 * np.log2(0.9) + 0.1 * np.log2(0.1))
    assert info.entropy([0.9, 0.1, 0.0]) == pytest.approx(h, abs=1e-15)


def test_mutual_information_analytic():
    bsc = np.array([[0.45, 0.05], [0.05, 0.45]])
    assert info.mutual_information(bsc) == pytest.approx(1 - info.entropy([0.9, 0.1]), abs=1e-14)
    assert info.mutual_information(np.eye(4) / 4) == pytest.approx(2.0, abs=1e-14)
    assert info.mutual_information(np.full((3, 5), 1 / 15)) == pytest.approx(0.0, abs=1e-14)
    assert info.conditional_entropy(bsc) == pytest.approx(info.entropy([0.9, 0.1]), abs=1e-14)


def test_kl_analytic_and_infinite():
    assert info.kl_divergence([0.5, 0.5], [0.25, 0.75]) == pytest.approx(
        0.5 * np.log2(2) + 0.5 * np.log2(0.5 / 0.75), abs=1e-15)
    assert info.kl_divergence([0.5, 0.5, 0.0], [0.5, 0.25, 0.25]) == pytest.approx(0.5, abs=1e-15)
    assert info.kl_divergence([0.5, 0.5], [1.0, 0.0]) == np.inf
    assert info.kl_divergence([0.3, 0.7], [0.3, 0.7]) == 0.0


def test_kl_matrix_matches_pairwise_kl():
    rng = np.random.default_rng(0)
    p = rng.dirichlet(np.ones(4), size=3)
    p[0, 1] = 0
    p[0] /= p[0].sum()
    q = rng.dirichlet(np.ones(4), size=5)
    q[2, 3] = 0
    q[2] /= q[2].sum()
    m = info.kl_matrix(p, q)
    for i in range(3):
        for j in range(5):
            assert m[i, j] == pytest.approx(info.kl_divergence(p[i], q[j]), abs=1e-12)
    assert np.isinf(m[1, 2]) and np.isinf(m[2, 2])


@settings(max_examples=200, deadline=None)
@given(joints())
def test_mi_invariants(pxy):
    mi = info.mutual_information(pxy)
    hx, hy = info.entropy(pxy.sum(1)), info.entropy(pxy.sum(0))
    assert mi >= -1e-12
    assert mi <= min(hx, hy) + 1e-12
    # chain rule: H(X,Y) = H(X) + H(Y|X), and I = H(Y) - H(Y|X)
    assert info.entropy(pxy) == pytest.approx(hx + info.conditional_entropy(pxy), abs=1e-10)
    assert mi == pytest.approx(hy - info.conditional_entropy(pxy), abs=1e-10)
    assert mi == pytest.approx(info.mutual_information(pxy.T), abs=1e-12)


@settings(max_examples=100, deadline=None)
@given(joints(), st.integers(1, 4), st.integers(0, 10_000))
def test_data_processing_inequality(pxy, n_t, seed):
    channel = np.random.default_rng(seed).dirichlet(np.ones(n_t), size=pxy.shape[0])
    assert info.mutual_information(channel.T @ pxy) <= info.mutual_information(pxy) + 1e-12


@settings(max_examples=100, deadline=None)
@given(joints())
def test_kl_nonnegative_and_zero_on_itself(pxy):
    p = pxy.ravel()
    q = np.full(p.size, 1 / p.size)
    assert info.kl_divergence(p, q) >= -1e-12
    assert info.kl_divergence(p, p) == pytest.approx(0.0, abs=1e-12)
    # KL to the uniform distribution is log2(n) - H(p)
    assert info.kl_divergence(p, q) == pytest.approx(np.log2(p.size) - info.entropy(p), abs=1e-10)


@pytest.mark.parametrize("bad, error, message", [
    ([0.5, -0.1, 0.6], ValueError, "negative"),
    ([0.5, np.nan, 0.5], ValueError, "NaN"),
    ([0.5, np.inf], ValueError, "NaN or infinite"),
    ([0.5, 0.4], ValueError, "sums to"),
    ([], ValueError, "empty"),
    ([[0.5, "a"]], TypeError, "numbers"),
])
def test_bad_tables_raise(bad, error, message):
    with pytest.raises(error, match=message):
        info.entropy(bad)


def test_sum_tolerance_is_1e_9():
    info.entropy([0.5, 0.5 + 5e-10])
    with pytest.raises(ValueError, match="sums to"):
        info.entropy([0.5, 0.5 + 2e-9])


def test_shape_errors():
    with pytest.raises(ValueError, match="2-D"):
        info.mutual_information([0.5, 0.5])
    with pytest.raises(ValueError, match="same shape"):
        info.kl_divergence([0.5, 0.5], [0.2, 0.3, 0.5])
