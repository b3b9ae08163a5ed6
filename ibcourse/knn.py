"""The Kraskov-Stögbauer-Grassberger (KSG) k-nearest-neighbour estimator of I(X;Y), in bits.

``ksg_information``  algorithm 1 of Kraskov, Stögbauer & Grassberger (2004), on scipy's k-d tree

For each sample i, let eps_i be the distance (max-norm) from (x_i, y_i) to its k-th
nearest neighbour in the joint space, and n_x(i), n_y(i) the numbers of other samples
whose x (whose y) lies strictly closer than eps_i to x_i (to y_i). Then, in nats,

    I = psi(k) + psi(n) - < psi(n_x + 1) + psi(n_y + 1) >,

with psi the digamma function and <.> the mean over samples; divided by ln 2 for bits.
"""

from __future__ import annotations

import numpy as np
from scipy.spatial import cKDTree
from scipy.special import digamma

from ibcourse import validate

_LN2 = float(np.log(2.0))


def ksg_information(x, y, *, k: int = 3) -> float:
    """KSG estimate (algorithm 1) of I(X;Y) in bits from paired samples.

    All neighbour searches use the max-norm on scipy's ``cKDTree``: one k-nearest
    query in the joint space, then one vectorised count per marginal space
    (``query_ball_point`` with ``return_length``) at radius just below eps_i, so that
    only points strictly closer than eps_i count. scikit-learn's
    ``mutual_info_regression`` computes the same estimate for one-dimensional x and y,
    in nats, after scaling both to unit variance, adding noise of relative size 1e-10
    and clipping negative values to 0; here nothing is rescaled or clipped.

    The estimate depends on the relative scales of x and y (the max-norm mixes them):
    standardise the coordinates first when their units differ. It is exact for
    independent variables only on average (it can come out negative), is accurate in
    low dimension, and underestimates large informations in high dimension.

    Parameters
    ----------
    x, y : arrays (numpy or torch), shape (n,) or (n, d_x), (n, d_y)
        Paired samples, one per row (converted to float64); n > k.
    k : int
        Neighbours (>= 1; 3 is common): a larger k lowers the variance and raises the bias.

    Returns
    -------
    float
        The estimate in bits.
    """
    x, y = validate.paired_samples(x, y, min_rows=2)
    n = len(x)
    k = validate.count(k, "k", maximum=n - 1)
    x, y = x.astype(np.float64), y.astype(np.float64)
    joint = np.hstack([x, y])
    eps = cKDTree(joint).query(joint, k=[k + 1], p=np.inf)[0][:, 0]  # neighbour 1 is the sample itself
    radius = np.nextafter(eps, 0)  # query_ball_point counts distances <= r: this makes it < eps
    n_x = cKDTree(x).query_ball_point(x, radius, p=np.inf, return_length=True) - 1  # minus the sample itself
    n_y = cKDTree(y).query_ball_point(y, radius, p=np.inf, return_length=True) - 1
    nats = digamma(k) + digamma(n) - np.mean(digamma(n_x + 1) + digamma(n_y + 1))
    return float(nats / _LN2)
