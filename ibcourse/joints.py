"""Joint distributions p(x, y) that the course studies, as probability tables.

Each function returns a table of shape (|X|, |Y|) that sums to 1 (float64).
"""

from __future__ import annotations

import numpy as np

from ibcourse import validate


def noisy_labels(group_sizes=(12, 10, 6, 4), reliability=(0.3, 0.95)) -> np.ndarray:
    """A noisy many-to-few channel: inputs in groups, each group pointing to one label with varying reliability.

    X is uniform on ``sum(group_sizes)`` inputs; input x of group g gives
    ``p(y|x) = r_x [y = g] + (1 - r_x) / n_y`` with ``n_y = len(group_sizes)`` and r_x
    spread evenly over ``reliability`` within each group. Groups of different sizes
    and inputs of different reliability make the IB's clusters split one at a time.

    Parameters
    ----------
    group_sizes : sequence of int
        Inputs per label, each >= 1; at least two groups.
    reliability : (float, float)
        Lowest and highest r_x, with 0 <= low <= high <= 1.

    Returns
    -------
    numpy.ndarray, shape (sum(group_sizes), len(group_sizes))
    """
    sizes = validate.counts(group_sizes, "group_sizes", min_length=2)
    pair = validate.sequence(reliability, "reliability")
    if len(pair) != 2:
        raise ValueError(f"reliability must be a pair (low, high), got {reliability!r}")
    low, high = (validate.number(r, f"reliability[{i}]", low=0, high=1) for i, r in enumerate(pair))
    if low > high:
        raise ValueError(f"reliability must satisfy low <= high, got {reliability!r}")
    n_y = len(sizes)
    rows = []
    for label, size in enumerate(sizes):
        for r in np.linspace(low, high, size):
            row = np.full(n_y, (1 - r) / n_y)
            row[label] += r
            rows.append(row)
    return np.array(rows) / len(rows)


def discretised_gaussian(rho: float, n: int = 40, width: float = 4.0) -> np.ndarray:
    """A standard bivariate normal with correlation ``rho``, discretised on an n x n grid.

    The grid spans ``[-width, width]`` standard deviations on each axis; each cell
    gets the density at its centre, and the table is normalised. As n and width
    grow, its I(X;Y) tends to the continuous ``-1/2 log2(1 - rho^2)`` bits.

    Parameters
    ----------
    rho : float
        Correlation, strictly between -1 and 1.
    n : int
        Grid points per axis, >= 2.
    width : float
        Half-width of the grid in standard deviations, > 0.

    Returns
    -------
    numpy.ndarray, shape (n, n)
    """
    rho = validate.number(rho, "rho", low=-1, high=1, low_open=True, high_open=True)
    n = validate.count(n, "n", minimum=2)
    width = validate.number(width, "width", low=0, low_open=True)
    grid = np.linspace(-width, width, n)
    x, y = np.meshgrid(grid, grid, indexing="ij")
    log_density = -(x**2 - 2 * rho * x * y + y**2) / (2 * (1 - rho**2))
    p = np.exp(log_density - log_density.max())
    return p / p.sum()
