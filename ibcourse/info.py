"""Exact information measures of discrete probability tables, in bits.

Every function takes probability tables as numpy arrays (a 1-D distribution
``p[x]`` or a 2-D joint ``p[x, y]`` whose rows index the first variable) and
returns a value in bits (logarithms base 2). Tables may be numpy arrays, torch
tensors or nested lists. Inputs are validated: a table that is empty, holds a
negative, NaN or infinite entry, or does not sum to one within ``sum_tolerance``
raises ``ValueError`` saying what was wrong (a table of bools, strings or complex
numbers raises ``TypeError``). Zero-probability cells contribute exactly nothing
(0 log 0 = 0): no epsilon is added anywhere.
"""

from __future__ import annotations

import numpy as np

from ibcourse import validate

SUM_TOLERANCE = 1e-9
"""How far from 1 the sum of a float64 probability table may be (absolute)."""


def sum_tolerance(dtype, size: int) -> float:
    """How far from 1 the sum of a probability table of this dtype and size may be (absolute).

    ``max(SUM_TOLERANCE, 2 sqrt(size) eps)`` with ``eps`` the machine epsilon of ``dtype``
    (float64 for integer tables). For float64 this is ``SUM_TOLERANCE`` = 1e-9 up to
    10**12 entries; for float32 (eps = 1.2e-7) it is the rounding that normalising in
    float32 leaves: about 7.5e-7 for 10 entries, 2.4e-5 for 10**4 (a torch softmax of
    10**5 entries was measured at most 0.44 sqrt(size) eps from 1). The table is never
    renormalised.
    """
    dtype = np.dtype(dtype)
    eps = np.finfo(dtype if np.issubdtype(dtype, np.floating) else np.float64).eps
    return max(SUM_TOLERANCE, 2.0 * float(np.sqrt(size)) * float(eps))


def as_distribution(p, name: str = "p", ndim: int | None = None) -> np.ndarray:
    """Validate a probability table and return it as a float64 array.

    Parameters
    ----------
    p : array_like or torch.Tensor
        Probabilities, any shape (or exactly ``ndim`` dimensions if given).
    name : str
        How error messages call the table.
    ndim : int, optional
        Required number of dimensions.

    Returns
    -------
    numpy.ndarray
        The same numbers, dtype float64, not renormalised.

    Raises
    ------
    TypeError
        If the table does not hold real numbers (bools, strings, complex numbers).
    ValueError
        If the table is ragged or empty, has the wrong number of dimensions, holds
        a NaN, an infinite or a negative entry, or does not sum to 1 within
        ``sum_tolerance(dtype, size)`` (1e-9 for float64).
    """
    given = validate.array(p, name)
    arr = given.astype(np.float64)
    if ndim is not None and arr.ndim != ndim:
        raise ValueError(f"{name} must be a {ndim}-D table, got shape {arr.shape}")
    if arr.size == 0:
        raise ValueError(f"{name} is empty (shape {arr.shape}); expected probabilities")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} holds NaN or infinite entries; probabilities must be finite")
    if np.any(arr < 0):
        raise ValueError(f"{name} holds negative entries (smallest {arr.min():.3g}); probabilities must be >= 0")
    total = arr.sum()
    tolerance = sum_tolerance(given.dtype, arr.size)
    if abs(total - 1.0) > tolerance:
        raise ValueError(
            f"{name} sums to {total:.12g}, not 1 (tolerance {tolerance:.2g} for {given.dtype}); "
            "normalise it yourself if that is what you meant"
        )
    return arr


def _plogp_sum(p: np.ndarray) -> float:
    """Sum of p log2 p over the nonzero cells of an already validated table."""
    nz = p[p > 0]
    return float(np.sum(nz * np.log2(nz)))


def entropy(p) -> float:
    """Shannon entropy H(P) in bits.

    Parameters
    ----------
    p : array_like
        A probability table of any shape; a 2-D joint ``p[x, y]`` gives the
        joint entropy H(X, Y).

    Returns
    -------
    float
        ``-sum p log2 p`` over the cells with ``p > 0``, in bits.
    """
    return -_plogp_sum(as_distribution(p))


def conditional_entropy(pxy) -> float:
    """Conditional entropy H(Y|X) in bits, for a joint table ``pxy[x, y]`` (rows are x)."""
    pxy = as_distribution(pxy, "pxy", ndim=2)
    return _plogp_sum(pxy.sum(axis=1)) - _plogp_sum(pxy)


def mutual_information(pxy) -> float:
    """Mutual information I(X;Y) in bits of a joint table ``pxy[x, y]``.

    Computed as the sum over nonzero cells of ``p(x,y) log2 p(x,y) / (p(x) p(y))``,
    which is never negative up to rounding (about 1e-15 bits).
    """
    pxy = as_distribution(pxy, "pxy", ndim=2)
    px, py = pxy.sum(axis=1), pxy.sum(axis=0)
    rows, cols = np.nonzero(pxy)
    p = pxy[rows, cols]
    return float(np.sum(p * (np.log2(p) - np.log2(px[rows]) - np.log2(py[cols]))))


def kl_divergence(p, q) -> float:
    """Kullback-Leibler divergence KL(P || Q) in bits.

    Parameters
    ----------
    p, q : array_like
        Probability tables of the same shape.

    Returns
    -------
    float
        ``sum p log2(p / q)`` over the cells with ``p > 0``; ``inf`` when some
        cell has ``p > 0`` and ``q == 0`` (P is not absolutely continuous w.r.t. Q).
    """
    p = as_distribution(p, "p")
    q = as_distribution(q, "q")
    if p.shape != q.shape:
        raise ValueError(f"p and q must have the same shape, got {p.shape} and {q.shape}")
    support = p > 0
    if np.any(q[support] == 0):
        return float("inf")
    ps, qs = p[support], q[support]
    return float(np.sum(ps * (np.log2(ps) - np.log2(qs))))


def _rows(rows, name: str) -> np.ndarray:
    """A 2-D table of probabilities as float64, checked cheaply: shape, and every entry in [0, 1] up to rounding."""
    if isinstance(rows, np.ndarray) and rows.dtype == np.float64:  # the solvers' case, kept fast
        tolerance = SUM_TOLERANCE
    else:
        given = validate.array(rows, name)
        rows, tolerance = given.astype(np.float64), sum_tolerance(given.dtype, 1)
    if rows.ndim != 2:
        raise ValueError(f"{name} must be a 2-D table (rows of distributions), got shape {rows.shape}")
    if rows.size and not (rows.min() >= 0 and rows.max() <= 1 + tolerance):  # also false for NaN
        raise ValueError(f"{name} holds entries that are NaN or outside [0, 1]; expected probabilities")
    return rows


def kl_matrix(p_rows, q_rows) -> np.ndarray:
    """All pairwise KL divergences between the rows of two conditional tables, in bits.

    Parameters
    ----------
    p_rows : numpy.ndarray, shape (m, k)
        Each row a distribution (e.g. p(y|x)).
    q_rows : numpy.ndarray, shape (n, k)
        Each row a distribution (e.g. p(y|t)).

    Returns
    -------
    numpy.ndarray, shape (m, n)
        ``out[i, j] = KL(p_rows[i] || q_rows[j])`` in bits, ``inf`` where row i
        puts mass on a cell that row j gives probability 0. Zero cells of
        ``p_rows`` contribute exactly 0.

    Raises
    ------
    ValueError
        If a table is not 2-D, the two have different numbers of columns, or an entry
        is NaN or outside [0, 1] (beyond rounding). Row sums are not checked (this is the inner loop of
        the IB solvers, where an unused cluster has a row of zeros); use
        :func:`kl_divergence` for fully checked input.
    """
    p_rows, q_rows = _rows(p_rows, "p_rows"), _rows(q_rows, "q_rows")
    if p_rows.shape[1] != q_rows.shape[1]:
        raise ValueError(f"p_rows and q_rows must have the same number of columns, "
                         f"got shapes {p_rows.shape} and {q_rows.shape}")
    p_pos = p_rows > 0
    q_zero = q_rows == 0
    with np.errstate(divide="ignore"):
        log_q = np.log2(q_rows)
    neg_entropy = np.sum(np.where(p_pos, p_rows * np.log2(np.where(p_pos, p_rows, 1.0)), 0.0), axis=1)
    cross = p_rows @ np.where(q_zero, 0.0, log_q).T
    out = neg_entropy[:, None] - cross
    if np.any(q_zero):
        out[(p_pos.astype(float) @ q_zero.T.astype(float)) > 0] = np.inf
    return out
