"""Problems whose mutual information is known exactly, to test estimators against (bits).

``correlated_gaussians``  x, y in d dimensions, y = rho x + sqrt(1 - rho^2) eps, coordinate by
                          coordinate: I(X;Y) = -(d/2) log2(1 - rho^2) bits
``gaussian_information``  that formula; ``rho_for_information`` its inverse
``gaussian_log_ratio``    log p(x, y) / (p(x) p(y)) of every pair of a batch: the optimal critic of the bounds
``cubic``                 y -> y^3 on every coordinate: invertible, so I(X;Y^3) = I(X;Y)
``staircase``             the schedule of Poole et al. (2019): the true information rises in steps
``gaussian_sampler``      fresh batches of correlated Gaussians along such a schedule, for training critics
``sample_table``          pairs drawn from a discrete joint table p(x, y), whose I is ``info.mutual_information``

All informations are in bits. Samples come as torch tensors (float64 unless asked
otherwise) or, for the discrete case, integer numpy arrays; every estimator of the
course accepts both.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import torch

from ibcourse import info, validate


def gaussian_information(rho, d: int) -> np.ndarray | float:
    """I(X;Y) in bits of d independent pairs of standard normals with correlation ``rho``: -(d/2) log2(1 - rho^2).

    Parameters
    ----------
    rho : float or array of floats
        Correlations, each in (-1, 1).
    d : int
        Dimension of x and of y (>= 1).
    """
    d = validate.count(d, "d")
    rho = _correlations(rho)
    bits = -0.5 * d * np.log2((1 - rho) * (1 + rho))  # 1 - rho^2, without cancellation near |rho| = 1
    return float(bits) if bits.ndim == 0 else bits


def rho_for_information(bits, d: int) -> np.ndarray | float:
    """The correlation rho >= 0 at which ``correlated_gaussians`` in d dimensions carry ``bits`` of information.

    rho = sqrt(1 - 2^(-2 bits / d)); ``bits`` (a number or an array) must be finite and >= 0.
    """
    d = validate.count(d, "d")
    bits = validate.non_negative(bits, "bits").astype(np.float64)
    rho = np.sqrt(-np.expm1(-2.0 * np.log(2.0) * bits / d))  # 1 - 2^(-2I/d), accurate for small I
    return float(rho) if rho.ndim == 0 else rho


def _correlations(rho) -> np.ndarray:
    if isinstance(rho, (bool, str)) or rho is None:
        raise TypeError(f"rho must be a number or an array of numbers, got {rho!r}")
    rho = validate.array(rho, "rho").astype(np.float64)
    if not np.all(np.abs(rho) < 1):  # NaN fails too
        raise ValueError(f"rho must lie strictly between -1 and 1, got {rho}")
    return rho


def _generator(seed) -> torch.Generator:
    if isinstance(seed, torch.Generator):
        return seed
    return torch.Generator().manual_seed(validate.seed(seed))


def correlated_gaussians(n: int, d: int, rho, *, seed=0, dtype=torch.float64) -> tuple[torch.Tensor, torch.Tensor]:
    """n samples of (x, y), each in d dimensions: x ~ N(0, I), y = rho x + sqrt(1 - rho^2) eps, eps ~ N(0, I).

    Coordinate k of y depends on coordinate k of x only, so that
    I(X;Y) = d * (-1/2 log2(1 - rho^2)) bits = ``gaussian_information(rho, d)``.

    Parameters
    ----------
    n, d : int
        Samples and dimension (>= 1 each).
    rho : float or 1-D array of floats
        The correlation, in (-1, 1); an array of M correlations gives M independent
        problems at once (shape (M, n, d), one per member of an ensemble of critics).
    seed : int or torch.Generator
        Seeds a private generator (an int in [0, 2**32)), or a generator to draw from.
    dtype : torch dtype
        float64 by default (k-nearest-neighbour counts need no ties); float32 for a network.

    Returns
    -------
    x, y : torch tensors of shape (n, d), or (M, n, d) for M correlations
    """
    n, d = validate.count(n, "n"), validate.count(d, "d")
    rho = _correlations(rho)
    if rho.ndim > 1:
        raise ValueError(f"rho must be a number or a 1-D array (one per problem), got shape {rho.shape}")
    gen = _generator(seed)
    shape = (*rho.shape, n, d)
    x = torch.randn(shape, generator=gen, dtype=dtype)
    noise = torch.randn(shape, generator=gen, dtype=dtype)
    r = torch.as_tensor(rho, dtype=dtype).reshape(*rho.shape, 1, 1)
    return x, r * x + torch.sqrt(1 - r ** 2) * noise


def gaussian_log_ratio(x, y, rho) -> torch.Tensor:
    """The score matrix of the optimal critic for ``correlated_gaussians``: log p(x_i, y_j) / (p(x_i) p(y_j)), nats.

    f*(x, y) = sum_k [-1/2 ln(1 - rho^2) - (y_k - rho x_k)^2 / (2 (1 - rho^2)) + y_k^2 / 2]. It is
    the best critic of the DV and InfoNCE bounds (f* + 1 is the best one of NWJ): with it,
    the bounds' errors are those of the estimators themselves, with no training in the way.
    E_p(x,y)[f*] = I(X;Y) ln 2 and E_p(x)p(y)[e^f*] = 1.

    Parameters
    ----------
    x, y : tensors (or numpy arrays), shape (..., n, d)
        A batch of pairs drawn at correlation ``rho`` (leading dimensions, e.g. repeats, are kept).
    rho : float
        The correlation they were drawn at, in (-1, 1).

    Returns
    -------
    tensor, shape (..., n, n)
        Entry [..., i, j] = f*(x_i, y_j), in nats, in the dtype of x.
    """
    rho = float(_correlations(rho))
    x, y = validate.tensor(x, "x"), validate.tensor(y, "y")
    if x.ndim < 2 or x.shape != y.shape or not x.is_floating_point():
        raise ValueError(f"x and y must be floating tensors of one shape (..., n, d), got {tuple(x.shape)} "
                         f"and {tuple(y.shape)}")
    y = y.to(x.dtype)
    c = 1 - rho ** 2
    cross = x @ y.transpose(-1, -2)  # (..., n, n): x_i . y_j
    sx, sy = x.square().sum(-1), y.square().sum(-1)
    return (-(sy[..., None, :] - 2 * rho * cross + rho ** 2 * sx[..., :, None]) / (2 * c) + sy[..., None, :] / 2
            - 0.5 * x.shape[-1] * np.log(c))


def cubic(y):
    """y^3, coordinate by coordinate: a strictly increasing, invertible map, so I(X; Y^3) = I(X; Y).

    Takes and returns a torch tensor or a numpy array of any shape.
    """
    if not isinstance(y, torch.Tensor):
        y = validate.array(y, "y")
    return y ** 3


def staircase(levels, steps_per_level: int) -> np.ndarray:
    """The true information at every training step of a staircase: each level held ``steps_per_level`` steps.

    Parameters
    ----------
    levels : sequence of float
        Informations in bits, each finite and >= 0 (Poole et al. 2019: 2, 4, 6, 8, 10 nats,
        that is ``np.array([2, 4, 6, 8, 10]) / np.log(2)`` bits).
    steps_per_level : int
        Steps at each level (>= 1).

    Returns
    -------
    numpy.ndarray, shape (len(levels) * steps_per_level,), bits
    """
    levels = validate.non_negative(validate.sequence(levels, "levels", min_length=1), "levels")
    steps = validate.count(steps_per_level, "steps_per_level")
    return np.repeat(levels.astype(np.float64), steps)


def gaussian_sampler(information, *, d: int, batch: int, cubic_members: Sequence[bool], seed: int = 0,
                     device=None) -> Callable[[int], tuple[torch.Tensor, torch.Tensor]]:
    """A source of fresh training batches along a schedule of true informations, one batch per member and step.

    Parameters
    ----------
    information : array, shape (steps,)
        The true I(X;Y) in bits at each step (e.g. ``staircase(...)``), finite and >= 0.
    d, batch : int
        Dimension of x and y; samples per batch.
    cubic_members : sequence of bool
        One flag per member: True gives that member (x, y^3) instead of (x, y).
    seed : int
        Seeds the sampler's private generator.
    device : torch device, optional
        Where the batches are put (they are drawn on the CPU, float32).

    Returns
    -------
    callable
        ``sample(step)`` returns x, y of shape (members, batch, d), float32, drawn at
        correlation ``rho_for_information(information[step], d)``.
    """
    information = validate.non_negative(information, "information")
    if information.ndim != 1:
        raise ValueError(f"information must be one value per step, shape (steps,), got shape {information.shape}")
    d, batch = validate.count(d, "d"), validate.count(batch, "batch")
    cubic_members = torch.tensor(validate.flags(cubic_members, "cubic_members", len(cubic_members)))
    if len(cubic_members) == 0:
        raise ValueError("cubic_members needs one flag per member, got none")
    rho = rho_for_information(information, d)
    gen = torch.Generator().manual_seed(validate.seed(seed))
    members = len(cubic_members)

    def sample(step: int) -> tuple[torch.Tensor, torch.Tensor]:
        x, y = correlated_gaussians(batch, d, np.full(members, rho[step]), seed=gen, dtype=torch.float32)
        y = torch.where(cubic_members[:, None, None], y ** 3, y)
        return x.to(device), y.to(device)

    return sample


def sample_table(pxy, n: int, *, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """n pairs (x, y) drawn independently from a joint table p(x, y) of shape (|X|, |Y|).

    Returns two int64 arrays of shape (n,) holding row and column indices; the true
    information is ``info.mutual_information(pxy)`` bits.
    """
    pxy = info.as_distribution(pxy, "pxy", ndim=2)
    n = validate.count(n, "n")
    cells = np.random.default_rng(validate.seed(seed)).choice(pxy.size, size=n, p=pxy.ravel())
    x, y = np.divmod(cells, pxy.shape[1])
    return x.astype(np.int64), y.astype(np.int64)
