"""Information Bottleneck solvers for discrete and jointly Gaussian variables.

Conventions
-----------
* ``pxy[x, y]`` is a joint probability table (validated, see :mod:`ibcourse.info`).
* An encoder is a table ``encoder[x, t] = p(t|x)`` of shape (|X|, |T|); rows sum to 1.
* ``beta`` is the standard trade-off: the IB minimises
  ``L = I(X;T) - beta * I(T;Y)`` with both informations in the same unit, so a
  given beta means the same in bits or nats. All informations returned are in bits.
* The self-consistent equations of Tishby, Pereira & Bialek (1999) are iterated
  in the log domain (log-sum-exp), so no exponential overflows at any beta.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
import scipy.linalg
import scipy.sparse.csgraph
import scipy.spatial.distance

from ibcourse import validate
from ibcourse.info import as_distribution, kl_matrix, mutual_information, sum_tolerance

LN2 = np.log(2.0)
SQUAREM_TRIES = 4
"""Extrapolation steps tried (each half as long as the last) before a SQUAREM cycle falls back on plain updates."""
VANISHING = 1e-15
"""A cluster with p(t) below this is merged into its nearest cluster (it carries < 1e-13 bits)."""
MERGE_EVERY = 10
"""During annealing, coinciding clusters are looked for every this many accelerated cycles."""


# ----------------------------------------------------------------------------
# validation
# ----------------------------------------------------------------------------
def _check_beta(beta, name: str = "beta") -> float:
    return validate.number(beta, name, low=0.0)


def _prepare(pxy) -> tuple[np.ndarray, np.ndarray]:
    """p(x) of shape (|X|,) and rows p(y|x) of shape (|X|, |Y|); rows with p(x) = 0 are all zero."""
    pxy = as_distribution(pxy, "pxy", ndim=2)
    px = pxy.sum(axis=1)
    pyx = np.divide(pxy, px[:, None], out=np.zeros_like(pxy), where=px[:, None] > 0)
    return px, pyx


def _check_encoder(encoder, n_x: int, name: str = "encoder") -> np.ndarray:
    given = validate.array(encoder, name)
    enc = given.astype(np.float64)
    if enc.ndim != 2 or enc.shape[0] != n_x or enc.shape[1] == 0:
        raise ValueError(f"{name} must have shape (|X|, |T|) = ({n_x}, n_t) with n_t >= 1, got {enc.shape}")
    validate.finite(enc, name)
    if np.any(enc < 0):
        raise ValueError(f"{name} holds negative entries; rows are probabilities p(t|x)")
    bad = np.flatnonzero(np.abs(enc.sum(axis=1) - 1) > sum_tolerance(given.dtype, enc.shape[1]))
    if bad.size:
        raise ValueError(f"{name} rows must sum to 1 (rows p(t|x)); rows {bad[:5].tolist()} do not")
    return enc


# ----------------------------------------------------------------------------
# the self-consistent equations
# ----------------------------------------------------------------------------
class _Joint(NamedTuple):
    """A validated joint, laid out for fast IB updates."""

    px: np.ndarray  # (|X|,) p(x)
    pyx: np.ndarray  # (|X|, |Y|) p(y|x); zero rows where p(x) = 0
    pyx_joint_t: np.ndarray  # (|Y|, |X|) p(x, y) transposed, contiguous
    pyx_ones: np.ndarray  # (|X|, |Y| + 1) p(y|x) with a column of ones appended
    mean_neg_h: float  # sum_x p(x) sum_y p(y|x) ln p(y|x) = -H(Y|X), in nats


def _joint(pxy) -> _Joint:
    px, pyx = _prepare(pxy)
    pos = pyx > 0
    neg_h = np.sum(np.where(pos, pyx * np.log(np.where(pos, pyx, 1.0)), 0.0), axis=1)
    return _Joint(px, pyx, np.ascontiguousarray((pyx * px[:, None]).T), np.hstack([pyx, np.ones((px.size, 1))]),
                  float(px @ neg_h))


def _cluster_stats(px, pyx, enc):
    """p(t) (|T|,) and p(y|t) (|T|, |Y|); rows of empty clusters are zero."""
    pt = px @ enc
    pty = (enc * px[:, None]).T @ pyx
    pyt = np.divide(pty, pt[:, None], out=np.zeros_like(pty), where=pt[:, None] > 0)
    return pt, pyt


def _normalise_rows(logits):
    """Rows of ``exp(logits)`` normalised with log-sum-exp, in place: ``logits`` (|X|, |T|) is
    overwritten by the encoder; returns it and the natural log of the normaliser Z(x), shape (|X|,)."""
    top = logits.max(axis=1, keepdims=True)
    logits -= top
    np.exp(logits, out=logits)
    z = logits.sum(axis=1, keepdims=True)
    logits *= 1.0 / z
    return logits, top[:, 0] + np.log(z[:, 0])


def _gibbs_encoder(log_prior, neg_cost):
    """Normalise rows of ``exp(log_prior + neg_cost)`` with log-sum-exp, in place.

    ``neg_cost`` (|X|, |T|) is overwritten by the encoder; returns it and the
    natural log of the normaliser Z(x), shape (|X|,).
    """
    neg_cost += log_prior
    return _normalise_rows(neg_cost)


def _cluster_parameters(joint: _Joint, enc):
    """The IB map's state: log p(t), shape (|T|,), and log p(y|t) transposed, shape (|Y|, |T|) (nats).

    The encoder that the next update produces depends on ``enc`` only through these.
    """
    pt = joint.px @ enc
    with np.errstate(divide="ignore"):
        return np.log(pt), np.log((joint.pyx_joint_t @ enc) / pt)


def _encode(joint: _Joint, log_pt, log_pyt, beta):
    """The Gibbs encoder p(t|x) ~ p(t) exp(-beta KL) of given cluster parameters, and its free energy (bits).

    The free energy ``-sum_x p(x) log2 Z(x)`` is the minimum over encoders of
    ``I(X;T) + beta E[KL]`` with p(t) and p(y|t) held fixed; the IB update never raises it.
    """
    # the -sum_y p(y|x) ln p(y|x) part of the KL is the same for every t: it cancels in the
    # encoder, so it is added to the free energy at the end instead of to every entry
    finite = np.isfinite(log_pyt)
    if finite.all() and beta > 0:  # one product gives log p(t) + beta sum_y p(y|x) ln p(y|t)
        enc, log_z = _normalise_rows(joint.pyx_ones @ np.vstack([beta * log_pyt, log_pt]))
    else:  # a zero p(y|t) where p(y|x) > 0 makes the KL infinite, exactly; beta = 0 ignores it
        neg_kl = joint.pyx @ np.where(finite, log_pyt, 0.0)
        neg_kl[((joint.pyx > 0).astype(float) @ (~finite).astype(float)) > 0] = -np.inf
        neg_kl = neg_kl * beta if beta > 0 else np.zeros_like(neg_kl)
        enc, log_z = _gibbs_encoder(log_pt, neg_kl)
    return enc, -(float(joint.px @ log_z) - beta * joint.mean_neg_h) / LN2


def _step(joint: _Joint, enc, beta):
    """One IB update: the new encoder and the free energy in bits.

    The free energy ``F = -sum_x p(x) log2 Z(x) = I(X;T) + beta E[KL]`` (KL in
    bits) never increases from one update to the next; ``F - beta I(X;Y)`` is
    the Lagrangian. Every cluster of ``enc`` must have p(t) > 0.
    """
    return _encode(joint, *_cluster_parameters(joint, enc), beta)


def ib_step(pxy, encoder, beta: float) -> np.ndarray:
    """One update of the IB self-consistent equations.

    Given p(t|x), compute ``p(t) = sum_x p(x) p(t|x)`` and
    ``p(y|t) = sum_x p(y|x) p(t|x) p(x) / p(t)``, then return the new encoder
    ``p(t|x) = p(t) exp(-beta KL[p(y|x) || p(y|t)]) / Z(x, beta)`` with the KL in nats
    (equivalently ``2 ** (-beta * KL_bits)``).

    Parameters
    ----------
    pxy : array_like, shape (|X|, |Y|)
        Joint distribution.
    encoder : array_like, shape (|X|, |T|)
        Current p(t|x); rows sum to 1.
    beta : float
        Trade-off parameter, >= 0.

    Returns
    -------
    numpy.ndarray, shape (|X|, |T|)
        The updated encoder. Empty clusters (p(t) = 0) stay empty.
    """
    joint = _joint(pxy)
    enc = _check_encoder(encoder, joint.px.size)
    beta = _check_beta(beta)
    used = (joint.px @ enc) > 0
    out = np.zeros_like(enc)
    out[:, used] = _step(joint, enc[:, used], beta)[0]
    return out


def _encoder_information(px, enc) -> float:
    """I(X;T) in bits of p(x) (|X|,) and an encoder p(t|x) (|X|, |T|); zero cells contribute 0."""
    pt = px @ enc
    joint_xt = enc * px[:, None]
    nz = joint_xt > 0
    return float(np.sum(joint_xt[nz] * np.log2(enc[nz] / np.broadcast_to(pt, enc.shape)[nz])))


def _informations(px, pyx, enc) -> tuple[float, float, float]:
    """I(X;T), I(T;Y) and H(T) in bits."""
    pt = px @ enc
    i_xt = _encoder_information(px, enc)
    i_ty = mutual_information((enc * px[:, None]).T @ pyx)
    pt_nz = pt[pt > 0]
    return i_xt, i_ty, float(-np.sum(pt_nz * np.log2(pt_nz))) + 0.0  # + 0.0: no "-0.0"


@dataclass(frozen=True)
class IBResult:
    """A solution of the IB (or deterministic IB) at one beta.

    Attributes
    ----------
    encoder : numpy.ndarray, shape (|X|, |T|)
        p(t|x).
    beta : float
    i_xt, i_ty : float
        I(X;T) and I(T;Y) in bits.
    h_t : float
        H(T) in bits (equals I(X;T) for a hard encoder).
    n_iter : int
        Updates performed.
    converged : bool
        Whether the convergence test passed before ``max_iter``.
    """

    encoder: np.ndarray
    beta: float
    i_xt: float
    i_ty: float
    h_t: float
    n_iter: int
    converged: bool

    @property
    def lagrangian(self) -> float:
        """I(X;T) - beta I(T;Y) in bits."""
        return self.i_xt - self.beta * self.i_ty


def _result(px, pyx, enc, beta, n_iter, converged) -> IBResult:
    i_xt, i_ty, h_t = _informations(px, pyx, enc)
    return IBResult(enc, beta, i_xt, i_ty, h_t, n_iter, converged)


def _random_encoder(n_x: int, n_t: int, rng: np.random.Generator) -> np.ndarray:
    return rng.dirichlet(np.ones(n_t), size=n_x)


def iterative_ib(pxy, beta: float, n_t: int | None = None, *, init=None, tol: float = 1e-10,
                 max_iter: int = 10_000, seed: int = 0) -> IBResult:
    """Solve the IB at one beta by iterating the self-consistent equations.

    Parameters
    ----------
    pxy : array_like, shape (|X|, |Y|)
        Joint distribution.
    beta : float
        Trade-off (>= 0) of ``I(X;T) - beta I(T;Y)``.
    n_t : int, optional
        Number of clusters |T|; defaults to |X|. Ignored shapes are an error:
        with ``init`` given, ``n_t`` must match its columns or be None.
    init : array_like, shape (|X|, n_t), optional
        Starting encoder; default a random one drawn with ``seed``.
    tol : float
        Converged when no entry of p(t|x) changes by more than ``tol`` in one update.
        Clusters that empty out (p(t) = 0 after underflow) stay as zero columns.
    max_iter : int
        Largest number of updates.
    seed : int
        Seed of the random starting encoder.

    Returns
    -------
    IBResult
        A fixed point (a local optimum: different starts can give different ones).
    """
    joint = _joint(pxy)
    beta = _check_beta(beta)
    max_iter = validate.count(max_iter, "max_iter")
    tol = _check_tol(tol)
    seed = validate.seed(seed)
    if init is None:
        n_t = joint.px.size if n_t is None else validate.count(n_t, "n_t")
        enc = _random_encoder(joint.px.size, n_t, np.random.default_rng(seed))
    else:
        enc = _check_encoder(init, joint.px.size, "init")
        if n_t is not None and validate.count(n_t, "n_t") != enc.shape[1]:
            raise ValueError(f"n_t = {n_t} but init has {enc.shape[1]} columns")
    converged = False
    n_iter = 0
    while n_iter < max_iter:
        used = (joint.px @ enc) > 0
        new = np.zeros_like(enc)
        new[:, used] = _step(joint, enc[:, used], beta)[0]
        n_iter += 1
        change = np.max(np.abs(new - enc))
        enc = new
        if change <= tol:
            converged = True
            break
    return _result(joint.px, joint.pyx, enc, beta, n_iter, converged)


def _check_tol(tol, name: str = "tol") -> float:
    return validate.number(tol, name, low=0.0, low_open=True)


def critical_beta(pxy) -> float:
    """The beta up to which the trivial encoder (T independent of X) is a local optimum of the IB.

    It is ``1 / s_2^2``, where s_2 is the second-largest singular value of the matrix
    ``p(x, y) / sqrt(p(x) p(y))`` (the largest is 1): s_2 is the maximal (Hirschfeld-
    Gebelein-Renyi) correlation of X and Y (Kim et al. 2017; Wu et al. 2019,
    "Learnability for the information bottleneck"). Just above it the trivial
    solution is unstable and a continuous transition starts. The IB can leave the
    trivial solution earlier, at ``1 / eta`` with eta >= s_2^2 the strong data-processing
    constant, through a discontinuous transition; for the binary symmetric channel
    the two agree (``1 / rho^2``).

    Parameters
    ----------
    pxy : array_like, shape (|X|, |Y|)
        Joint distribution; rows and columns of zero probability are ignored.

    Returns
    -------
    float
        ``1 / s_2^2`` (dimensionless), ``inf`` when X and Y are independent.
    """
    pxy = as_distribution(pxy, "pxy", ndim=2)
    px, py = pxy.sum(axis=1), pxy.sum(axis=0)
    q = pxy[px > 0][:, py > 0] / np.sqrt(np.outer(px[px > 0], py[py > 0]))
    singular = np.linalg.svd(q, compute_uv=False)
    s2 = singular[1] if singular.size > 1 else 0.0
    return float(1.0 / s2 ** 2) if s2 > 1e-12 else float("inf")


# ----------------------------------------------------------------------------
# the IB curve by annealing
# ----------------------------------------------------------------------------
def _merge_duplicates(joint: _Joint, enc, merge_tol):
    """Drop empty clusters and merge clusters whose p(y|t) rows agree within ``merge_tol``;
    merge a cluster whose mass p(t) is below ``VANISHING`` into its nearest cluster.

    Clusters with the same p(y|t) are one cluster written twice: merging them
    (adding their columns) leaves I(X;T) and I(T;Y) unchanged at a fixed point. A
    vanishing cluster changes them by less than 1e-13 bits, and its mass would
    otherwise decay through the subnormal floating-point numbers, slowly.
    """
    enc = enc[:, (joint.px @ enc) > 0]
    if enc.shape[1] < 2:
        return enc
    pt, pyt = _cluster_stats(joint.px, joint.pyx, enc)
    close = scipy.spatial.distance.squareform(scipy.spatial.distance.pdist(pyt, "chebyshev"))
    np.fill_diagonal(close, np.inf)
    vanishing = np.flatnonzero(pt < VANISHING)
    links = close <= merge_tol
    links[vanishing, close[vanishing].argmin(axis=1)] = True
    if not np.any(links):
        return enc
    n_groups, group = scipy.sparse.csgraph.connected_components(links, directed=False)
    merged = np.zeros((enc.shape[0], n_groups))
    np.add.at(merged.T, group, enc.T)
    return merged


def _log_normalised(log_p, axis):
    """``log_p`` minus the log of the sum of ``exp(log_p)`` along ``axis`` (entries finite)."""
    top = log_p.max(axis=axis, keepdims=True)
    return log_p - (top + np.log(np.exp(log_p - top).sum(axis=axis, keepdims=True)))


def _normalised(log_pt, log_pyt):
    """Cluster parameters after an extrapolation, renormalised (p(t) and each p(y|t) sum to 1)."""
    return _log_normalised(log_pt, 0), _log_normalised(log_pyt, 0)


def _squarem_cycle(joint: _Joint, enc, beta):
    """One SQUAREM cycle (Varadhan & Roland 2008) of the IB update; returns (encoder, free energy, updates).

    Two plain updates give the first and second differences r and v of the cluster
    parameters (log p(t), log p(y|t)); the step ``theta0 - 2 a r + a^2 v`` with
    ``a = -|r| / |v|`` extrapolates along the slow direction, where plain updates
    crawl near a phase transition. The update from the extrapolated point is kept
    only if its free energy is at most that after the first plain update; otherwise
    the step is halved towards a = -1, up to ``SQUAREM_TRIES`` times, and then the two
    plain updates are kept. Like the plain iteration, a cycle never raises the free energy.
    """
    mass = joint.px @ enc
    if not np.all(mass > 0):
        enc = enc[:, mass > 0]  # clusters whose p(t) underflowed to 0 are gone
    theta0 = _cluster_parameters(joint, enc)
    enc1, _ = _encode(joint, *theta0, beta)
    theta1 = _cluster_parameters(joint, enc1)
    enc2, free1 = _encode(joint, *theta1, beta)
    theta2 = _cluster_parameters(joint, enc2)
    flat = [np.concatenate([a.ravel(), b.ravel()]) for a, b in (theta0, theta1, theta2)]
    if not all(np.all(np.isfinite(f)) for f in flat):
        return enc2, free1, 2  # a cluster with p(y|t) = 0 somewhere: no extrapolation in log space
    r = flat[1] - flat[0]
    v = flat[2] - 2 * flat[1] + flat[0]
    norm_v = np.linalg.norm(v)
    if norm_v == 0:
        return enc2, free1, 2
    a = -np.linalg.norm(r) / norm_v
    (log_pt0, log_pyt0), (log_pt1, log_pyt1), (log_pt2, log_pyt2) = theta0, theta1, theta2
    spent = 2
    while a < -1.0 and spent < 2 + SQUAREM_TRIES:  # halve the step towards a = -1 until the free energy falls
        step = _normalised(log_pt0 - 2 * a * (log_pt1 - log_pt0) + a * a * (log_pt2 - 2 * log_pt1 + log_pt0),
                           log_pyt0 - 2 * a * (log_pyt1 - log_pyt0) + a * a * (log_pyt2 - 2 * log_pyt1 + log_pyt0))
        enc3, free3 = _encode(joint, *step, beta)
        spent += 1
        if free3 <= free1:
            return enc3, free3, spent
        a = (a - 1.0) / 2
    return enc2, free1, spent


def _remaining_decrease(drops) -> float:
    """How much more the free energy will fall, estimated from its last per-cycle falls (bits).

    Near a phase transition the iteration converges linearly at a rate q close to 1
    (critical slowing down): each fall is q times the last, so what is still to come
    is ``drop * q / (1 - q)``, far more than the last fall itself. The estimate takes
    the largest of the last three ratios (accelerated cycles fall unevenly); a ratio of
    1 or more (not yet contracting) gives infinity.
    """
    if len(drops) < 4:
        return np.inf
    if drops[-1] == 0.0:
        return 0.0
    ratios = [b / a if a > 0 else np.inf for a, b in zip(drops[-4:-1], drops[-3:])]
    q = max(ratios)
    return drops[-1] * q / (1.0 - q) if q < 1.0 else np.inf


def _merger_costs(joint: _Joint, enc, beta):
    """Each cluster's nearest neighbour (largest |p(y|a) - p(y|b)| smallest) and what merging the two
    would change in the Lagrangian I(X;T) - beta I(T;Y), in bits: arrays a, b, change of shape (pairs,).

    Merging a and b lowers I(X;T) by
    ``sum_x p(x) [e_a log2(e_a / p_a) + e_b log2(e_b / p_b) - (e_a + e_b) log2((e_a + e_b) / (p_a + p_b))]``
    (e = p(t|x), p = p(t)) and I(T;Y) by ``p_a KL(p(y|a) || m) + p_b KL(p(y|b) || m)``, m their mixture.
    """
    pt, pyt = _cluster_stats(joint.px, joint.pyx, enc)
    distance = scipy.spatial.distance.squareform(scipy.spatial.distance.pdist(pyt, "chebyshev"))
    np.fill_diagonal(distance, np.inf)
    pairs = np.unique(np.sort(np.stack([np.arange(enc.shape[1]), distance.argmin(axis=1)], axis=1), axis=1), axis=0)
    a, b = pairs[:, 0], pairs[:, 1]
    ea, eb = enc[:, a], enc[:, b]  # (|X|, pairs)

    def plogp_over(e, p):  # e log2(e / p), 0 where e = 0
        return np.where(e > 0, e * np.log2(np.where(e > 0, e, 1.0) / p), 0.0)

    loss_xt = joint.px @ (plogp_over(ea, pt[a]) + plogp_over(eb, pt[b]) - plogp_over(ea + eb, pt[a] + pt[b]))
    mix = (pt[a, None] * pyt[a] + pt[b, None] * pyt[b]) / (pt[a] + pt[b])[:, None]
    loss_ty = pt[a] * _row_kl(pyt[a], mix) + pt[b] * _row_kl(pyt[b], mix)
    return a, b, beta * loss_ty - loss_xt


def _merge_within(joint: _Joint, enc, beta, tol):
    """Merge neighbouring clusters whose merger raises the Lagrangian by at most ``tol`` bits (or lowers it).

    Such clusters differ by less than the solver resolves: counting them apart would
    report a split that is not there. Disjoint pairs are merged at once, cheapest first.
    """
    if enc.shape[1] < 2:
        return enc
    a, b, change = _merger_costs(joint, enc, beta)
    taken: set[int] = set()
    groups = np.arange(enc.shape[1])
    for i in np.argsort(change):
        if change[i] > tol:
            break
        if a[i] in taken or b[i] in taken:
            continue
        taken.update((a[i], b[i]))
        groups[b[i]] = a[i]
    if not taken:
        return enc
    labels, groups = np.unique(groups, return_inverse=True)
    merged = np.zeros((enc.shape[0], labels.size))
    np.add.at(merged.T, groups, enc.T)
    return merged


def _settle(joint: _Joint, enc, beta, tol, max_iter, merge_tol):
    """Iterate from a warm start with SQUAREM cycles until the free energy is within ``tol``
    bits of its limit (estimated from its geometric decay, see ``_remaining_decrease``),
    merging coinciding clusters every ``MERGE_EVERY`` cycles; at the end, merge the
    clusters whose merger costs at most ``tol`` bits, and settle again if any were.

    Returns the encoder (used, distinct clusters only), the number of updates and
    whether the test passed within ``max_iter`` updates.
    """
    n_iter = 0
    cycles = 0
    free_before = np.inf
    drops: list[float] = []
    while n_iter < max_iter:
        enc, free, spent = _squarem_cycle(joint, enc, beta)
        n_iter += spent
        cycles += 1
        if cycles % MERGE_EVERY == 0:
            merged = _merge_duplicates(joint, enc, merge_tol)
            if merged.shape != enc.shape:  # a new problem: start the estimate afresh
                enc, free_before, drops = merged, np.inf, []
                continue
        drops.append(max(free_before - free, 0.0) if np.isfinite(free_before) else np.inf)
        free_before = free
        if _remaining_decrease(drops) <= tol:
            merged = _merge_within(joint, _merge_duplicates(joint, enc, merge_tol), beta, tol)
            if merged.shape == enc.shape:
                return merged, n_iter, True
            enc, free_before, drops = merged, np.inf, []
    return _merge_duplicates(joint, enc, merge_tol), n_iter, False


@dataclass(frozen=True)
class IBCurve:
    """The IB curve: solutions along increasing beta.

    Attributes
    ----------
    betas : numpy.ndarray, shape (B,)
    i_xt, i_ty : numpy.ndarray, shape (B,)
        I(X;T) and I(T;Y) in bits at each beta.
    encoders : numpy.ndarray, shape (B, |X|, n_t)
        p(t|x) at each beta; unused clusters are zero columns, used ones are
        ordered by their mean x index so heat maps read from left to right.
    n_clusters : numpy.ndarray of int, shape (B,)
        Distinct clusters in use at each beta.
    n_iter : numpy.ndarray of int, shape (B,)
        Updates spent at each beta.
    converged : numpy.ndarray of bool, shape (B,)
    """

    betas: np.ndarray
    i_xt: np.ndarray
    i_ty: np.ndarray
    encoders: np.ndarray
    n_clusters: np.ndarray
    n_iter: np.ndarray
    converged: np.ndarray


def _check_betas(betas, *, increasing: bool = True) -> np.ndarray:
    b = validate.array(betas, "betas").astype(np.float64)
    if b.ndim != 1 or b.size == 0:
        raise ValueError(f"betas must be a non-empty 1-D array, got shape {b.shape}")
    validate.finite(b, "betas")
    if np.any(b < 0):
        raise ValueError(f"betas must be >= 0, got a smallest value of {b.min():g}")
    if increasing and np.any(np.diff(b) <= 0):
        raise ValueError("betas must be strictly increasing")
    return b


def ib_curve(pxy, betas, n_t: int | None = None, *, seed: int = 0, tol: float = 1e-6,
             merge_tol: float = 1e-4, max_iter: int = 10_000) -> IBCurve:
    """Trace the IB curve by annealing: warm starts from the neighbouring beta.

    The sweep runs from the largest beta down. It starts from T = X (each input
    its own cluster), the optimum as beta grows without bound, so the top of the
    curve reaches I(X;Y). Each smaller beta starts from the solution at the
    previous one; as beta falls, clusters move together and those whose p(y|t)
    coincide (within ``merge_tol``) are merged: the bifurcations of the IB read
    backwards. Warm starts keep neighbouring betas on one branch of solutions,
    so the curve is monotone, and each beta needs few updates, the fewer the
    fewer clusters remain.

    Parameters
    ----------
    pxy : array_like, shape (|X|, |Y|)
        Joint distribution.
    betas : array_like, shape (B,)
        Strictly increasing trade-off values, >= 0.
    n_t : int, optional
        Most clusters allowed; defaults to |X|. With fewer clusters than inputs
        the sweep starts from a random encoder drawn with ``seed`` instead of T = X.
    seed : int
        Seed of that random start (unused when ``n_t >= |X|``).
    tol : float
        Accuracy in bits. At each beta the iteration (accelerated with SQUAREM) stops
        when the free energy ``I(X;T) + beta E[KL]`` is estimated to be within ``tol``
        of its limit. Near a phase transition the updates converge slowly (critical
        slowing down): one update then lowers the free energy by far less than what
        remains, so the estimate extrapolates the geometric decay of the last falls
        instead of trusting the last one. Then neighbouring clusters whose merger
        would cost at most ``tol`` bits are merged (they differ by less than the
        solver resolves), so ``n_clusters`` counts clusters that differ and carry mass.
    merge_tol : float
        Clusters whose p(y|t) rows differ by at most this (max over y) are merged
        during the iteration, and clusters whose p(t) underflows are folded into
        their nearest neighbour.
    max_iter : int
        Update budget at each beta.

    Returns
    -------
    IBCurve
        At every beta the solution is at least as good as the trivial encoder (one
        cluster, I(X;T) = I(T;Y) = 0): where annealing ends on a branch whose
        Lagrangian is above 0, the trivial solution is taken instead.
    """
    joint = _joint(pxy)
    b = _check_betas(betas)
    n_x = joint.px.size
    n_t = n_x if n_t is None else validate.count(n_t, "n_t")
    max_iter = validate.count(max_iter, "max_iter")
    tol = _check_tol(tol)
    merge_tol = _check_tol(merge_tol, "merge_tol")
    seed = validate.seed(seed)
    if n_t >= n_x:
        enc = np.eye(n_x)
    else:
        enc = _random_encoder(n_x, n_t, np.random.default_rng(seed))
    enc = _merge_duplicates(joint, enc, merge_tol)
    x_index = np.arange(n_x)
    encoders = np.zeros((b.size, n_x, n_t))
    stats = np.zeros((b.size, 5))
    for i in range(b.size - 1, -1, -1):
        enc, n_iter, ok = _settle(joint, enc, b[i], tol, max_iter, merge_tol)
        i_xt, i_ty, _ = _informations(joint.px, joint.pyx, enc)
        if enc.shape[1] == 1 or i_xt - b[i] * i_ty > 0:  # worse than T independent of X: take that instead
            enc = np.ones((n_x, 1))  # (one cluster is that solution; exact ones, not ones up to rounding)
            i_xt, i_ty = 0.0, 0.0
        centre = (x_index * joint.px) @ enc / (joint.px @ enc)
        encoders[i, :, : enc.shape[1]] = enc[:, np.argsort(centre, kind="stable")]
        stats[i] = i_xt, i_ty, enc.shape[1], n_iter, ok
    return IBCurve(b, stats[:, 0], stats[:, 1], encoders, stats[:, 2].astype(int),
                   stats[:, 3].astype(int), stats[:, 4].astype(bool))


# ----------------------------------------------------------------------------
# deterministic IB
# ----------------------------------------------------------------------------
def deterministic_ib(pxy, beta: float, n_t: int | None = None, *, init=None, max_iter: int = 1_000,
                     seed: int = 0) -> IBResult:
    """The deterministic IB of Strouse & Schwab (2017): hard clusters.

    Minimises ``H(T) - beta I(T;Y)`` over deterministic encoders t = f(x) by
    iterating ``f(x) = argmax_t [log2 p(t) - beta KL_bits(p(y|x) || p(y|t))]``
    until no assignment changes. Empty clusters stay empty.

    Parameters
    ----------
    pxy : array_like, shape (|X|, |Y|)
    beta : float
        >= 0.
    n_t : int, optional
        Clusters available; defaults to |X|.
    init : array_like of int, shape (|X|,), optional
        Starting assignment f(x) in ``range(n_t)``. Default: each x in its own
        cluster when ``n_t >= |X|`` (as beta grows, the optimum), else random
        with ``seed``. A hard cluster that empties never comes back.
    max_iter : int
    seed : int

    Returns
    -------
    IBResult
        ``encoder`` is one-hot of shape (|X|, n_t); ``i_xt`` equals ``h_t``.
    """
    px, pyx = _prepare(pxy)
    beta = _check_beta(beta)
    max_iter = validate.count(max_iter, "max_iter")
    n_t = px.size if n_t is None else validate.count(n_t, "n_t")
    seed = validate.seed(seed)
    if init is None and n_t >= px.size:
        labels = np.arange(px.size)
    elif init is None:
        labels = np.random.default_rng(seed).integers(0, n_t, size=px.size)
    else:
        labels = validate.integers(init, "init labels", minimum=0, maximum=n_t - 1)
        if labels.shape != px.shape:
            raise ValueError(f"init must hold one label per input, shape {px.shape}, got {labels.shape}")
    labels, n_iter, converged = _dib_iterate(px, pyx, labels, n_t, beta, max_iter)
    while converged:
        merged = _dib_best_merge(px, pyx, labels, beta)
        if merged is None:
            break
        labels, more, converged = _dib_iterate(px, pyx, merged, n_t, beta, max_iter - n_iter)
        n_iter += more
    enc = np.zeros((px.size, n_t))
    enc[np.arange(px.size), labels] = 1.0
    return _result(px, pyx, enc, beta, n_iter, converged)


def _dib_assign(px, pyx, labels, n_t, beta):
    """Every x's best cluster: argmax_t log2 p(t) - beta KL_bits(p(y|x) || p(y|t)) (empty clusters: -inf)."""
    enc = np.zeros((px.size, n_t))
    enc[np.arange(px.size), labels] = 1.0
    pt, pyt = _cluster_stats(px, pyx, enc)
    with np.errstate(divide="ignore"):
        score = np.log2(pt)[None, :] - (beta * kl_matrix(pyx, pyt) if beta > 0 else np.zeros((px.size, n_t)))
    return np.argmax(score, axis=1)


def dib_update(pxy, labels, beta: float, n_t: int | None = None) -> np.ndarray:
    """One update of the deterministic IB (Strouse & Schwab 2017): every x moves to its best cluster.

    With the hard encoder t = labels[x], p(t) = sum over the x in t of p(x) and p(y|t) = the
    p(x)-weighted mean of their p(y|x); then each x takes the cluster that maximises
    ``log2 p(t) - beta KL_bits(p(y|x) || p(y|t))``. The first term is where H(T) replaces the
    IB's I(X;T): it pulls inputs into big clusters. Empty clusters are never chosen.

    Parameters
    ----------
    pxy : array_like, shape (|X|, |Y|)
    labels : int array, shape (|X|,)
        The current cluster of every x, in ``range(n_t)``.
    beta : float
        >= 0.
    n_t : int, optional
        Clusters available; defaults to |X|.

    Returns
    -------
    int array (|X|,): the new labels.
    """
    px, pyx = _prepare(pxy)
    beta = _check_beta(beta)
    n_t = px.size if n_t is None else validate.count(n_t, "n_t")
    labels = validate.integers(labels, "labels", minimum=0, maximum=n_t - 1)
    if labels.shape != px.shape:
        raise ValueError(f"labels must hold one cluster per input, shape {px.shape}, got {labels.shape}")
    return _dib_assign(px, pyx, labels, n_t, beta)


def _dib_iterate(px, pyx, labels, n_t, beta, max_iter):
    """Reassign every x to its best cluster until no assignment changes."""
    for n_iter in range(1, max_iter + 1):
        new = _dib_assign(px, pyx, labels, n_t, beta)
        if np.array_equal(new, labels):
            return labels, n_iter, True
        labels = new
    return labels, max_iter, False


def _dib_best_merge(px, pyx, labels, beta):
    """Labels after the merge of two clusters that lowers H(T) - beta I(T;Y) the most, or None.

    Reassigning one x at a time cannot empty a cluster against the pull of its
    own members, so the greedy iteration alone stalls with too many clusters;
    this test of all pairwise merges (exact changes of H(T) and I(T;Y)) frees it.
    """
    used = np.unique(labels)
    if used.size < 2:
        return None
    enc = (labels[:, None] == used[None, :]).astype(float)
    pt, pyt = _cluster_stats(px, pyx, enc)
    a, b = np.triu_indices(used.size, k=1)
    pm = pt[a] + pt[b]
    mix = (pt[a, None] * pyt[a] + pt[b, None] * pyt[b]) / pm[:, None]
    loss_h = pt[a] * np.log2(pm / pt[a]) + pt[b] * np.log2(pm / pt[b])
    loss_i = pt[a] * _row_kl(pyt[a], mix) + pt[b] * _row_kl(pyt[b], mix)
    change = -loss_h + beta * loss_i
    best = int(np.argmin(change))
    if change[best] >= 0:
        return None
    return np.where(labels == used[b[best]], used[a[best]], labels)


def _row_kl(p, q):
    """KL(p_i || q_i) in bits for each row i; q > 0 wherever p > 0."""
    pos = p > 0
    return np.sum(np.where(pos, p * np.log2(np.where(pos, p, 1.0) / np.where(pos, q, 1.0)), 0.0), axis=1)


def decode(pxy, encoder) -> np.ndarray:
    """p(y|x) as read through the bottleneck: sum_t p(t|x) p(y|t), shape (|X|, |Y|).

    The label predicted for x is the argmax of its row; with T = X (the identity encoder)
    it is p(y|x) itself, the best any encoder allows.
    """
    px, pyx = _prepare(pxy)
    enc = _check_encoder(encoder, px.size)
    _, pyt = _cluster_stats(px, pyx, enc)
    return enc @ pyt


def ib_distortion(pxy, encoder) -> np.ndarray:
    """The IB distortion d(x, t) = KL[p(y|x) || p(y|t)] in bits, shape (|X|, |T|).

    Its average under p(x) p(t|x) equals I(X;Y) - I(T;Y): the IB is rate-distortion
    with this (encoder-dependent) distortion. Columns of empty clusters are ``inf``.
    """
    px, pyx = _prepare(pxy)
    enc = _check_encoder(encoder, px.size)
    return kl_matrix(pyx, _cluster_stats(px, pyx, enc)[1])


# ----------------------------------------------------------------------------
# rate-distortion
# ----------------------------------------------------------------------------
@dataclass(frozen=True)
class RateDistortionResult:
    """A point of the rate-distortion curve found by Blahut-Arimoto.

    Attributes
    ----------
    encoder : numpy.ndarray, shape (|X|, |Xhat|)
        p(xhat|x).
    q_hat : numpy.ndarray, shape (|Xhat|,)
        Output marginal q(xhat).
    rate : float
        I(X; Xhat) in bits.
    distortion : float
        Expected distortion, in the units of the distortion matrix.
    n_iter : int
    converged : bool
    """

    encoder: np.ndarray
    q_hat: np.ndarray
    rate: float
    distortion: float
    n_iter: int
    converged: bool


def blahut_arimoto(px, distortion, s: float, *, tol: float = 1e-12, max_iter: int = 100_000) -> RateDistortionResult:
    """Blahut-Arimoto algorithm for the rate-distortion function.

    Minimises ``I(X;Xhat) + s E[d(X, Xhat)]`` (rate in bits) by alternating
    ``p(xhat|x) = q(xhat) 2**(-s d(x, xhat)) / Z(x)`` and
    ``q(xhat) = sum_x p(x) p(xhat|x)``. Then ``s`` is minus the slope of R(D) in
    bits per unit of distortion.

    Parameters
    ----------
    px : array_like, shape (|X|,)
        Source distribution.
    distortion : array_like, shape (|X|, |Xhat|)
        d(x, xhat) >= 0, finite.
    s : float
        Slope parameter >= 0.
    tol : float
        Converged when no entry of q(xhat) changes by more than ``tol``.
    max_iter : int

    Returns
    -------
    RateDistortionResult
    """
    px = as_distribution(px, "px", ndim=1)
    d = validate.array(distortion, "distortion").astype(np.float64)
    if d.ndim != 2 or d.shape[0] != px.size or d.shape[1] == 0:
        raise ValueError(f"distortion must have shape (|X|, |Xhat|) = ({px.size}, m), got {d.shape}")
    validate.finite(d, "distortion")
    if np.any(d < 0):
        raise ValueError("distortion entries must be >= 0")
    s = _check_beta(s, "s")
    tol = _check_tol(tol)
    max_iter = validate.count(max_iter, "max_iter")
    q = np.full(d.shape[1], 1.0 / d.shape[1])
    neg_cost = -(s * LN2) * d  # 2**(-s d) = exp(-s ln2 d)
    converged = False
    n_iter = 0
    while n_iter < max_iter:
        with np.errstate(divide="ignore"):
            enc = _gibbs_encoder(np.log(q), neg_cost.copy())[0]
        new_q = px @ enc
        n_iter += 1
        change = np.max(np.abs(new_q - q))
        q = new_q
        if change <= tol:
            converged = True
            break
    with np.errstate(divide="ignore"):
        enc = _gibbs_encoder(np.log(q), neg_cost.copy())[0]
    distortion = float(np.sum(enc * px[:, None] * d))
    return RateDistortionResult(enc, px @ enc, _encoder_information(px, enc), distortion, n_iter, converged)


# ----------------------------------------------------------------------------
# Gaussian IB
# ----------------------------------------------------------------------------
@dataclass(frozen=True)
class GaussianIB:
    """Optimal linear projection T = A X + noise of the Gaussian IB (Chechik et al. 2005).

    Attributes
    ----------
    projection : numpy.ndarray, shape (n_x, n_x)
        A; row i is ``alpha_i v_i`` (zero for the directions not yet used at this beta).
        The noise is standard normal, N(0, I).
    eigenvalues : numpy.ndarray, shape (n_x,)
        lambda_i of Sigma_{x|y} Sigma_x^{-1}, ascending, in (0, 1].
    critical_betas : numpy.ndarray, shape (n_x,)
        1 / (1 - lambda_i): direction i enters the representation above it (inf if lambda_i = 1).
    beta : float
    i_xt, i_ty : float
        I(T;X) and I(T;Y) in bits.
    """

    projection: np.ndarray
    eigenvalues: np.ndarray
    critical_betas: np.ndarray
    beta: float
    i_xt: float
    i_ty: float


def _gaussian_problem(cov_x, cov_xy, cov_y):
    cx, cxy, cy = (np.atleast_2d(validate.array(c, name).astype(np.float64))
                   for c, name in ((cov_x, "cov_x"), (cov_xy, "cov_xy"), (cov_y, "cov_y")))
    n_x, n_y = cx.shape[0], cy.shape[0]
    if cx.shape != (n_x, n_x) or cy.shape != (n_y, n_y) or cxy.shape != (n_x, n_y):
        raise ValueError(f"expected cov_x (n_x, n_x), cov_xy (n_x, n_y), cov_y (n_y, n_y); "
                         f"got {cx.shape}, {cxy.shape}, {cy.shape}")
    joint = np.block([[cx, cxy], [cxy.T, cy]])
    validate.finite(joint, "the covariances (cov_x, cov_xy, cov_y)")
    if not np.allclose(joint, joint.T, rtol=0, atol=1e-12 * max(1.0, np.abs(joint).max())):
        raise ValueError("cov_x and cov_y must be symmetric")
    try:
        np.linalg.cholesky(joint)
    except np.linalg.LinAlgError:
        raise ValueError("the joint covariance of (X, Y) must be positive definite "
                         "(a singular one makes I(X;Y) infinite)") from None
    cond = cx - cxy @ np.linalg.solve(cy, cxy.T)
    lam, vecs = scipy.linalg.eigh((cond + cond.T) / 2, cx)  # Sigma_x|y v = lambda Sigma_x v, v' Sigma_x v = 1
    lam = np.clip(lam, 0.0, 1.0)  # rounding only: exact eigenvalues lie in (0, 1]
    with np.errstate(divide="ignore"):
        crit = 1.0 / (1.0 - lam)
    return cx, cond, lam, vecs, crit


def _gaussian_at(cx, cond, lam, vecs, crit, beta):
    active = beta > crit
    alpha = np.zeros_like(lam)
    alpha[active] = np.sqrt((beta * (1 - lam[active]) - 1) / lam[active])
    a = alpha[:, None] * vecs.T
    _, logdet_x = np.linalg.slogdet(a @ cx @ a.T + np.eye(lam.size))
    _, logdet_xy = np.linalg.slogdet(a @ cond @ a.T + np.eye(lam.size))
    return a, logdet_x / (2 * LN2), (logdet_x - logdet_xy) / (2 * LN2)


def gaussian_ib(cov_x, cov_xy, cov_y, beta: float) -> GaussianIB:
    """Closed-form Gaussian IB at one beta (Chechik, Globerson, Tishby & Weiss 2005).

    For jointly Gaussian X (n_x-dim) and Y (n_y-dim), the optimal T is a noisy
    linear projection T = A X + xi, xi ~ N(0, I), with rows ``alpha_i v_i`` where
    v_i are left eigenvectors of ``Sigma_{x|y} Sigma_x^{-1}`` (eigenvalue lambda_i,
    normalised by v' Sigma_x v = 1) and
    ``alpha_i = sqrt((beta (1 - lambda_i) - 1) / lambda_i)`` above the critical
    ``beta_i = 1 / (1 - lambda_i)``, 0 below. The informations are evaluated from
    A with ``I(T;X) = 1/2 log2 det(A Sigma_x A' + I)`` and
    ``I(T;Y) = I(T;X) - 1/2 log2 det(A Sigma_{x|y} A' + I)``.

    Parameters
    ----------
    cov_x : array_like, shape (n_x, n_x)
    cov_xy : array_like, shape (n_x, n_y)
    cov_y : array_like, shape (n_y, n_y)
        Blocks of a positive definite joint covariance (scalars allowed for 1-D).
    beta : float
        >= 0.
    """
    beta = _check_beta(beta)
    cx, cond, lam, vecs, crit = _gaussian_problem(cov_x, cov_xy, cov_y)
    a, i_xt, i_ty = _gaussian_at(cx, cond, lam, vecs, crit, beta)
    return GaussianIB(a, lam, crit, beta, float(i_xt), float(i_ty))


@dataclass(frozen=True)
class GaussianIBCurve:
    """The Gaussian IB curve: ``betas``, ``i_xt``, ``i_ty`` (bits) arrays of shape (B,),
    plus ``eigenvalues`` and ``critical_betas`` (shape (n_x,)) as in :class:`GaussianIB`."""

    betas: np.ndarray
    i_xt: np.ndarray
    i_ty: np.ndarray
    eigenvalues: np.ndarray
    critical_betas: np.ndarray


def gaussian_ib_curve(cov_x, cov_xy, cov_y, betas) -> GaussianIBCurve:
    """Closed-form Gaussian IB at each of ``betas`` (any order, each >= 0); see :func:`gaussian_ib`."""
    b = _check_betas(betas, increasing=False)
    problem = _gaussian_problem(cov_x, cov_xy, cov_y)
    pts = np.array([_gaussian_at(*problem, beta)[1:] for beta in b])
    return GaussianIBCurve(b, pts[:, 0], pts[:, 1], problem[2], problem[4])
