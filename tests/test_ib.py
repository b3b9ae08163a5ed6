import numpy as np
import pytest

from ibcourse import ib, info, joints

BSC = np.array([[0.45, 0.05], [0.05, 0.45]])  # rho = 0.8, critical beta 1/rho^2 = 1.5625
RANDOM = np.random.default_rng(1).dirichlet(np.ones(160)).reshape(16, 10)


def test_bsc_trivial_below_critical_beta_and_not_above():
    for beta in (0.5, 1.0, 1.5, 1.55):
        r = ib.iterative_ib(BSC, beta)
        assert r.converged
        assert abs(r.i_xt) < 1e-12 and abs(r.i_ty) < 1e-12
    for beta in (1.6, 2.0, 5.0):
        r = ib.iterative_ib(BSC, beta)
        assert r.converged
        assert r.i_xt > 0.05 and r.i_ty > 0.03


def test_bsc_ib_curve_beta_c():
    curve = ib.ib_curve(BSC, np.linspace(1.3, 1.8, 11))
    assert np.all(curve.i_xt[curve.betas < 1.5] < 1e-3)
    assert np.all(curve.i_xt[curve.betas > 1.62] > 0.05)


def test_critical_beta_known_values():
    assert ib.critical_beta(BSC) == pytest.approx(1 / 0.8**2)
    assert ib.critical_beta(np.full((2, 3), 1 / 6)) == np.inf  # independent: never leaves the trivial solution
    rho = 0.8  # a finely discretised Gaussian has maximal correlation close to rho
    assert ib.critical_beta(joints.discretised_gaussian(rho, n=60)) == pytest.approx(1 / rho**2, rel=2e-3)
    with pytest.raises(ValueError, match="pxy"):
        ib.critical_beta([[0.5, 0.6]])


def test_bsc_curve_leaves_zero_exactly_at_the_critical_beta():
    betas = np.linspace(1.3, 1.8, 51)  # steps of 0.01; 1/rho^2 = 1.5625
    c = ib.ib_curve(BSC, betas)
    below, above = betas < 1.5625, betas > 1.5625
    assert np.all(c.i_xt[below] == 0.0) and np.all(c.n_clusters[below] == 1)
    assert np.all(c.i_xt[above] > 1e-4) and np.all(c.n_clusters[above] == 2)
    assert c.converged.all()


def test_continuous_transition_at_one_over_s2_squared():
    pxy = joints.discretised_gaussian(0.8, n=50)
    b0 = ib.critical_beta(pxy)
    betas = b0 * np.linspace(0.9, 1.1, 21)
    c = ib.ib_curve(pxy, betas)
    assert np.all(c.i_xt[betas < b0] == 0.0)
    first = betas[np.argmax(c.i_xt > 0)]
    assert b0 < first <= b0 * 1.011  # the first grid point above beta_0
    assert np.all(np.diff(c.i_xt[betas > b0]) > 0)


def test_no_spurious_splits_below_the_transition():
    # measured with the earlier solver (a per-update free-energy tolerance): clusters "split" at
    # beta 1.28, 1.37 and 1.46 and I(X;T) > 0 from 1.69, with a Lagrangian above the trivial one's
    pxy = joints.noisy_labels()
    b0 = ib.critical_beta(pxy)
    betas = np.geomspace(0.5, 100, 80)
    c = ib.ib_curve(pxy, betas)
    trivial = betas < 0.95 * b0
    assert np.all(c.i_xt[trivial] == 0.0) and np.all(c.n_clusters[trivial] == 1)
    assert np.all(c.i_xt - betas * c.i_ty <= 0.0), "never worse than T independent of X"
    assert c.converged.all()
    # this channel leaves the trivial solution slightly before beta_0, discontinuously (at 1 / eta)
    fine = ib.ib_curve(pxy, b0 * np.linspace(0.9, 1.1, 41))
    first = fine.betas[np.argmax(fine.i_xt > 0)]
    assert 0.95 * b0 < first <= b0
    assert fine.i_xt[np.argmax(fine.i_xt > 0)] > 1e-3  # it jumps: not a continuous start from 0


@pytest.mark.parametrize("seed", range(4))
def test_curve_never_worse_than_trivial_and_monotone_on_random_joints(seed):
    pxy = np.random.default_rng(seed).dirichlet(np.full(60, 0.5)).reshape(12, 5)
    betas = np.geomspace(0.5, 200, 40)
    c = ib.ib_curve(pxy, betas)
    assert np.all(c.i_xt - betas * c.i_ty <= 0.0)
    assert np.all(np.diff(c.i_xt) >= -1e-6) and np.all(np.diff(c.i_ty) >= -1e-6)
    assert np.all(c.i_xt[c.n_clusters == 1] == 0.0)


def test_ib_step_is_one_update_of_the_equations():
    rng = np.random.default_rng(3)
    enc = rng.dirichlet(np.ones(5), size=16)
    px = RANDOM.sum(1)
    pyx = RANDOM / px[:, None]
    pt = px @ enc
    pyt = (enc * px[:, None]).T @ pyx / pt[:, None]
    kl_nats = np.array([[np.sum(pyx[x] * np.log(pyx[x] / pyt[t])) for t in range(5)] for x in range(16)])
    w = pt[None, :] * np.exp(-2.0 * kl_nats)
    assert np.allclose(ib.ib_step(RANDOM, enc, 2.0), w / w.sum(1, keepdims=True), atol=1e-12)


def test_iterative_ib_no_overflow_at_huge_beta():
    r = ib.iterative_ib(RANDOM, 1e4, init=np.eye(16))
    assert np.all(np.isfinite(r.encoder))
    assert r.i_ty == pytest.approx(info.mutual_information(RANDOM), abs=1e-9)
    assert r.converged


def test_iterative_ib_lagrangian_never_increases():
    # the free energy decreases monotonically; check the Lagrangian along short runs
    rng = np.random.default_rng(0)
    init = rng.dirichlet(np.ones(6), size=16)
    values = [ib.iterative_ib(RANDOM, 5.0, init=init, max_iter=k).lagrangian for k in range(1, 40)]
    assert np.all(np.diff(values) <= 1e-12)


def test_ib_curve_monotone_concave_and_bounded():
    betas = np.geomspace(0.5, 2000, 40)
    c = ib.ib_curve(RANDOM, betas)
    h_x, i_xy = info.entropy(RANDOM.sum(1)), info.mutual_information(RANDOM)
    assert np.all(np.diff(c.i_xt) >= -1e-9)
    assert np.all(np.diff(c.i_ty) >= -1e-9)
    assert np.all(c.i_xt <= h_x + 1e-12)
    assert np.all(c.i_ty <= c.i_xt + 1e-12)
    assert c.i_ty[-1] == pytest.approx(i_xy, abs=1e-4)
    # concave: slopes of I(T;Y) against I(X;T) do not increase (up to the solver tolerance)
    keep = np.concatenate([[True], np.diff(c.i_xt) > 1e-3])
    x, y = c.i_xt[keep], c.i_ty[keep]
    slopes = np.diff(y) / np.diff(x)
    assert np.all(np.diff(slopes) <= 1e-2)
    # on the curve, the slope dI(T;Y)/dI(X;T) is 1/beta
    assert c.encoders.shape == (40, 16, 16)
    assert np.allclose(c.encoders.sum(axis=2), 1.0)


def test_ib_curve_reaches_embo_level_on_benchmark_joint():
    pxy = np.random.default_rng(1).dirichlet(np.ones(2560)).reshape(256, 10)
    c = ib.ib_curve(pxy, np.geomspace(0.5, 200, 20))
    assert c.i_ty[-1] >= 0.53116
    assert np.all(np.diff(c.i_ty) >= -1e-9)


def test_ib_curve_is_deterministic():
    a = ib.ib_curve(RANDOM, np.geomspace(1, 50, 10))
    b = ib.ib_curve(RANDOM, np.geomspace(1, 50, 10))
    assert np.array_equal(a.i_xt, b.i_xt) and np.array_equal(a.encoders, b.encoders)


def test_ib_curve_beats_fresh_random_starts():
    pxy = joints.noisy_labels()
    betas = np.geomspace(0.5, 100, 30)
    c = ib.ib_curve(pxy, betas)
    fresh = np.array([ib.iterative_ib(pxy, b, seed=k, max_iter=300).lagrangian for k, b in enumerate(betas)])
    excess = fresh - (c.i_xt - betas * c.i_ty)
    assert excess.min() > -1e-3  # never clearly worse than a fresh start
    assert excess.max() > 0.1  # and fresh starts do go wrong somewhere


def test_discretised_gaussian_matches_closed_form():
    rho = 0.8
    pxy = joints.discretised_gaussian(rho, n=50)
    c = ib.ib_curve(pxy, np.geomspace(1.0, 200, 60))
    closed = -0.5 * np.log2(1 - rho**2 + rho**2 * 2.0 ** (-2 * c.i_xt))
    assert np.max(np.abs(c.i_ty - closed)) < 2e-3  # measured 1.2e-3 bits
    first = c.betas[np.argmax(c.i_xt > 1e-3)]
    assert 1 / rho**2 < first < 1.1 / rho**2


def test_gaussian_ib_closed_form():
    rng = np.random.default_rng(0)
    a = rng.normal(size=(5, 5))
    joint = a @ a.T + 5 * np.eye(5)
    cx, cxy, cy = joint[:3, :3], joint[:3, 3:], joint[3:, 3:]
    cond = cx - cxy @ np.linalg.solve(cy, cxy.T)
    lam = np.clip(np.sort(np.linalg.eigvals(cond @ np.linalg.inv(cx)).real), 0, 1)  # one lambda is 1: n_y < n_x
    for beta in (1.0, 3.0, 10.0, 100.0):
        g = ib.gaussian_ib(cx, cxy, cy, beta)
        assert np.allclose(g.eigenvalues, lam)
        on = beta * (1 - lam) > 1
        i_xt = 0.5 * np.sum(np.log2((beta - 1) * (1 - lam[on]) / lam[on]))
        i_ty = i_xt - 0.5 * np.sum(np.log2(beta * (1 - lam[on])))
        assert g.i_xt == pytest.approx(i_xt, abs=1e-10)
        assert g.i_ty == pytest.approx(i_ty, abs=1e-10)
    assert np.allclose(g.critical_betas[:2], 1 / (1 - lam[:2])) and g.critical_betas[2] > 1e12
    c = ib.gaussian_ib_curve(cx, cxy, cy, [1.0, 7.9, 10.0, 50.0])
    assert c.i_xt[0] == 0.0 and c.i_xt[1] == 0.0 and np.all(np.diff(c.i_xt[1:]) > 0)


def test_gaussian_scalar_critical_beta():
    g = ib.gaussian_ib(1.0, 0.8, 1.0, 1.5)
    assert g.critical_betas[0] == pytest.approx(1 / 0.64)
    assert g.i_xt == 0.0


def test_deterministic_ib_hard_and_merges():
    for beta in (1.0, 3.0, 20.0):
        r = ib.deterministic_ib(RANDOM, beta)
        assert set(np.unique(r.encoder)) <= {0.0, 1.0}
        assert np.allclose(r.encoder.sum(1), 1)
        assert r.i_xt == pytest.approx(r.h_t, abs=1e-12)
    # on the binary channel, merged below beta = 1/I(X;Y), separate above
    mi = info.mutual_information(BSC)
    assert ib.deterministic_ib(BSC, 0.95 / mi).h_t == 0.0
    assert ib.deterministic_ib(BSC, 1.05 / mi).h_t == pytest.approx(1.0)


def test_blahut_arimoto_binary_hamming():
    for s in (0.5, 1.0, 3.0):
        r = ib.blahut_arimoto([0.5, 0.5], [[0, 1], [1, 0]], s)
        d = 1 / (1 + 2**s)
        assert r.distortion == pytest.approx(d, abs=1e-10)
        assert r.rate == pytest.approx(1 - info.entropy([d, 1 - d]), abs=1e-10)


def test_ib_is_rate_distortion_with_kl_distortion():
    c = ib.ib_curve(RANDOM, np.geomspace(1, 30, 12))
    enc = c.encoders[-1][:, c.encoders[-1].sum(0) > 0]
    d = ib.ib_distortion(RANDOM, enc)
    px = RANDOM.sum(1)
    assert np.sum(px[:, None] * enc * d) == pytest.approx(info.mutual_information(RANDOM) - c.i_ty[-1], abs=1e-10)


@pytest.mark.parametrize("call, message", [
    (lambda: ib.iterative_ib(BSC, -1.0), "beta"),
    (lambda: ib.iterative_ib(BSC, np.nan), "beta"),
    (lambda: ib.iterative_ib([[0.5, 0.6]], 1.0), "sums to"),
    (lambda: ib.iterative_ib(BSC, 1.0, init=np.ones((3, 2)) / 2), "shape"),
    (lambda: ib.iterative_ib(BSC, 1.0, init=[[0.5, 0.6], [0.5, 0.5]]), "sum to 1"),
    (lambda: ib.iterative_ib(BSC, 1.0, tol=0), "tol"),
    (lambda: ib.ib_curve(BSC, [2.0, 1.0]), "increasing"),
    (lambda: ib.ib_curve(BSC, []), "non-empty"),
    (lambda: ib.deterministic_ib(BSC, 1.0, init=np.array([0, 5])), "labels"),
    (lambda: ib.gaussian_ib(1.0, 1.0, 1.0, 2.0), "positive definite"),
    (lambda: ib.gaussian_ib(np.eye(2), np.ones((3, 1)), 1.0, 2.0), "expected"),
    (lambda: ib.blahut_arimoto([0.5, 0.5], [[0, -1], [1, 0]], 1.0), "distortion"),
    (lambda: ib.blahut_arimoto([0.5, 0.5], [[0, 1], [1, 0]], 1.0, tol=0), "tol"),
])
def test_bad_inputs(call, message):
    with pytest.raises((ValueError, TypeError), match=message):
        call()


def test_zero_probability_input_row_is_harmless():
    pxy = np.vstack([RANDOM, np.zeros((1, 10))])  # an input that never occurs
    with_zero = ib.ib_curve(pxy, np.geomspace(1, 30, 8))
    without = ib.ib_curve(RANDOM, np.geomspace(1, 30, 8))
    assert np.allclose(with_zero.i_ty, without.i_ty, atol=1e-9)
    r = ib.iterative_ib(pxy, 5.0)
    assert np.all(np.isfinite(r.encoder)) and np.allclose(r.encoder.sum(1), 1)


def test_dib_update_moves_an_input_into_a_bigger_cluster_with_the_same_labels():
    # x0 and x1 have the same p(y|x), x0 more likely: at any beta x1 joins x0 (log2 p(t) is larger, KL is 0)
    pxy = np.array([[0.4, 0.1], [0.16, 0.04], [0.05, 0.25]])
    assert ib.dib_update(pxy, [0, 1, 2], 1.0).tolist() == [0, 0, 2]
    assert ib.dib_update(pxy, [0, 1, 2], 0.0).tolist() == [0, 0, 0]  # beta = 0: only H(T) counts
    with pytest.raises(ValueError, match="labels"):
        ib.dib_update(pxy, [0, 1, 3], 1.0)
    with pytest.raises(ValueError, match="labels must hold one cluster per input"):
        ib.dib_update(pxy, [0, 1], 1.0)


def test_deterministic_ib_is_a_fixed_point_of_its_update():
    r = ib.deterministic_ib(RANDOM, 4.0)
    labels = r.encoder.argmax(1)
    assert np.array_equal(ib.dib_update(RANDOM, labels, 4.0), labels)


def test_decode_reads_labels_through_the_bottleneck():
    px = RANDOM.sum(1)
    assert np.allclose(ib.decode(RANDOM, np.eye(16)), RANDOM / px[:, None])
    assert np.allclose(ib.decode(RANDOM, np.ones((16, 1))), np.tile(RANDOM.sum(0), (16, 1)))
    with pytest.raises(ValueError, match="encoder"):
        ib.decode(RANDOM, np.ones((15, 1)))
