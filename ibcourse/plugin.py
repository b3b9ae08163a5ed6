"""Plug-in estimates of I(X;Y) from samples: count, then compute the information of the counts (bits).

``plugin_information``  discrete samples: the information of the empirical joint table,
                        optionally with the Miller-Madow correction of its bias
``plugin_bias``         the first-order bias of the plug-in estimate, (|X|-1)(|Y|-1) / (2 n ln 2) bits
``binned_information``  continuous samples: bin every coordinate, then the plug-in estimate

Samples are numpy arrays or torch tensors of shape (n, d), one sample per row, or (n,)
for d = 1 (promoted to (n, 1)). For discrete samples each distinct row is one symbol.
"""

from __future__ import annotations

import numpy as np

from ibcourse import validate

_LN2 = float(np.log(2.0))


def _symbols(rows: np.ndarray) -> np.ndarray:
    """One integer 0 .. m-1 per row of ``rows`` (n, d), equal for equal rows."""
    return np.unique(rows, axis=0, return_inverse=True)[1].ravel()


def _entropy_and_support(symbols: np.ndarray) -> tuple[float, int]:
    """The plug-in entropy in bits of integer symbols (n,), and how many distinct symbols occur."""
    counts = np.bincount(symbols)
    p = counts[counts > 0] / len(symbols)
    return float(-np.sum(p * np.log2(p))), len(p)


def plugin_information(x, y, *, miller_madow: bool = False) -> float:
    """I(X;Y) in bits of the empirical joint distribution of discrete samples (the plug-in estimate).

    I = H(X) + H(Y) - H(X, Y), each entropy of the observed frequencies. Its bias is
    positive: on n samples of a table whose |X| |Y| cells all have p > 0 it is about
    (|X|-1)(|Y|-1) / (2 n ln 2) bits (``plugin_bias``). The Miller-Madow correction
    subtracts the first-order bias of each entropy, (m - 1) / (2 n ln 2) bits with m the
    number of distinct symbols observed, so the information falls by
    [(m_XY - 1) - (m_X - 1) - (m_Y - 1)] / (2 n ln 2) bits. It can make the estimate negative:
    nothing is clipped.

    Parameters
    ----------
    x, y : integer arrays (numpy or torch), shape (n,) or (n, d)
        Discrete samples, one per row; each distinct row is one symbol.
    miller_madow : bool
        Apply the Miller-Madow correction.

    Returns
    -------
    float
        The estimate in bits, at most log2 n (without the correction).
    """
    x, y = validate.paired_samples(x, y)
    for name, value in (("x", x), ("y", y)):
        if not np.issubdtype(value.dtype, np.integer):
            raise TypeError(f"{name} must hold integer symbols, got dtype {value.dtype}; "
                            "bin continuous samples with binned_information")
    if not isinstance(miller_madow, (bool, np.bool_)):
        raise TypeError(f"miller_madow must be True or False, got {miller_madow!r}")
    sx, sy = _symbols(x), _symbols(y)
    (h_x, m_x), (h_y, m_y) = _entropy_and_support(sx), _entropy_and_support(sy)
    h_xy, m_xy = _entropy_and_support(sx * m_y + sy)
    bits = h_x + h_y - h_xy
    if miller_madow:
        bits -= ((m_xy - 1) - (m_x - 1) - (m_y - 1)) / (2 * len(sx) * _LN2)
    return bits


def plugin_bias(x_states: int, y_states: int, n: int) -> float:
    """First-order bias of ``plugin_information`` in bits: (|X|-1)(|Y|-1) / (2 n ln 2).

    For a table whose cells all have p > 0, the expected plug-in estimate on n samples
    exceeds the true information by this much, up to terms of order 1/n^2 (Miller 1955).
    For independent X and Y, 2 n ln 2 times the estimate is the G statistic, close to a
    chi-square with (|X|-1)(|Y|-1) degrees of freedom: its mean is this bias.
    """
    x_states, y_states = validate.count(x_states, "x_states"), validate.count(y_states, "y_states")
    n = validate.count(n, "n")
    return (x_states - 1) * (y_states - 1) / (2 * n * _LN2)


def _bin_columns(values: np.ndarray, bins: int, spacing: str) -> np.ndarray:
    """Bin index 0 .. bins-1 of every entry of ``values`` (n, d), column by column."""
    n = len(values)
    if spacing == "mass":  # by rank: bins of (nearly) equal counts
        ranks = np.argsort(np.argsort(values, axis=0, kind="stable"), axis=0, kind="stable")
        return ranks * bins // n
    low, high = values.min(axis=0), values.max(axis=0)
    width = np.where(high > low, (high - low) / bins, 1.0)  # a constant column: every value in bin 0
    return np.clip(np.floor((values - low) / width), 0, bins - 1).astype(np.int64)


def binned_information(x, y, *, bins: int, spacing: str = "width", miller_madow: bool = False) -> float:
    """I(X;Y) in bits of continuous samples by binning each coordinate, then the plug-in estimate.

    Every coordinate of x and of y is cut into ``bins`` bins; the vector of bin indices
    of a sample is one symbol, and ``plugin_information`` does the rest. The answer
    depends on the bins: too few lose information (the binned variables are functions of
    the originals), too many leave about one sample per symbol, and the estimate climbs
    to log2 n whatever the truth.

    Parameters
    ----------
    x, y : arrays (numpy or torch), shape (n,) or (n, d)
        Samples, one per row.
    bins : int
        Bins per coordinate (>= 1).
    spacing : {"width", "mass"}
        "width": equal-width bins between the coordinate's smallest and largest sample.
        "mass": equal-count bins, by rank; the estimate is then unchanged by any strictly
        increasing map of a coordinate (e.g. y -> y^3).
    miller_madow : bool
        Apply the Miller-Madow correction to the plug-in estimate.

    Returns
    -------
    float
        The estimate in bits, at most log2 n (without the correction).
    """
    x, y = validate.paired_samples(x, y)
    bins = validate.count(bins, "bins")
    if spacing not in ("width", "mass"):
        raise ValueError(f"spacing must be 'width' or 'mass', got {spacing!r}")
    return plugin_information(_bin_columns(x, bins, spacing), _bin_columns(y, bins, spacing),
                              miller_madow=miller_madow)
