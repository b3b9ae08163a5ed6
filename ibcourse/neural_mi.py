"""Variational lower bounds on I(X;Y) from a trained critic network (torch), in bits.

A critic f(x, y) scores pairs: high for pairs drawn together from p(x, y), low for
pairs drawn from p(x) p(y). On a batch of n pairs (x_i, y_i) it gives the score matrix
``scores[i, j] = f(x_i, y_j)``: the diagonal holds n joint pairs, the n(n-1) entries
off the diagonal pairs from the product of the marginals. Each bound turns that matrix
into a number (Poole et al. 2019 review them all):

``dv_bound``       Donsker-Varadhan: mean_i f_ii - log mean_{i != j} e^{f_ij}
``nwj_bound``      Nguyen-Wainwright-Jordan: mean_i f_ii - mean_{i != j} e^{f_ij - 1}
``infonce_bound``  InfoNCE (van den Oord et al. 2018): mean_i [f_ii - log sum_j e^{f_ij}] + log n;
                   it can never exceed log n, however large I(X;Y) is
``mine_dv``        the DV bound with the gradient correction of MINE (Belghazi et al. 2018):
                   a moving average replaces the biased minibatch denominator of its gradient

``information_bound(critic, x, y, kind)`` returns the bound of a batch as a differentiable
torch scalar (one per member of an ensemble of critics): a loss term for a training loop of
your own (the "MINE-IB" of notebook 6 estimates its I(X;Z) term with it, the critic maximising
the bound while the encoder is trained against it).
``train_critics`` trains an ensemble of critics, each with its own bound, on fresh batches.

Critics: ``SeparableCritic`` f(x, y) = g(x) . h(y) (n + n network evaluations per batch) and
``ConcatCritic`` f(x, y) = MLP([x, y]) (n^2 evaluations). Both hold several independent
members, evaluated in one batched pass. Every bound is in bits (the nats divided by ln 2).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn
from tqdm.auto import trange

from ibcourse import models, training, validate

_LN2 = math.log(2.0)

#: The bounds ``information_bound`` and ``train_critics`` know by name.
KINDS = ("dv", "nwj", "infonce")


def _check_scores(scores) -> torch.Tensor:
    if not isinstance(scores, torch.Tensor):
        scores = torch.as_tensor(validate.array(scores, "scores"), dtype=torch.float64)
    if not scores.is_floating_point():
        raise TypeError(f"scores must hold floating-point numbers, got dtype {scores.dtype}")
    if scores.ndim < 2 or scores.shape[-1] != scores.shape[-2] or scores.shape[-1] < 2:
        raise ValueError(f"scores must have shape (..., n, n) with n >= 2 (entry i, j = f(x_i, y_j)), "
                         f"got {tuple(scores.shape)}")
    validate.finite(scores, "scores")
    return scores


def _diagonal_mean(scores: torch.Tensor) -> torch.Tensor:
    return torch.diagonal(scores, dim1=-2, dim2=-1).mean(-1)


def _log_mean_exp_off_diagonal(scores: torch.Tensor) -> torch.Tensor:
    """log of the mean of e^{f_ij} over the n(n-1) pairs i != j, shape (...)."""
    n = scores.shape[-1]
    eye = torch.eye(n, dtype=torch.bool, device=scores.device)
    off = scores.masked_fill(eye, -math.inf).flatten(-2)
    return torch.logsumexp(off, dim=-1) - math.log(n * (n - 1))


def _dv(scores):
    return (_diagonal_mean(scores) - _log_mean_exp_off_diagonal(scores)) / _LN2


def _nwj(scores):
    return (_diagonal_mean(scores) - torch.exp(_log_mean_exp_off_diagonal(scores) - 1)) / _LN2


def _infonce(scores):
    n = scores.shape[-1]
    return (_diagonal_mean(scores) - torch.logsumexp(scores, dim=-1).mean(-1) + math.log(n)) / _LN2


def dv_bound(scores) -> torch.Tensor:
    """Donsker-Varadhan lower bound on I(X;Y) in bits, from a critic's score matrix.

    I >= E_p(x,y)[f] - log E_p(x)p(y)[e^f]: the joint pairs are the diagonal, the pairs of
    the product of the marginals are the entries off it.

    Parameters
    ----------
    scores : tensor, shape (..., n, n), n >= 2
        ``scores[..., i, j] = f(x_i, y_j)``, in nats (a numpy array is converted).

    Returns
    -------
    tensor, shape (...)
        The bound in bits, differentiable with respect to the scores.
    """
    return _dv(_check_scores(scores))


def nwj_bound(scores) -> torch.Tensor:
    """Nguyen-Wainwright-Jordan lower bound on I(X;Y) in bits: E_p(x,y)[f] - E_p(x)p(y)[e^{f - 1}].

    Same input and output as ``dv_bound``. Its optimal critic is 1 + log p(x,y) / (p(x) p(y)).
    """
    return _nwj(_check_scores(scores))


def infonce_bound(scores) -> torch.Tensor:
    """InfoNCE lower bound on I(X;Y) in bits: mean_i [f_ii - log sum_j e^{f_ij}] + log n.

    Same input and output as ``dv_bound``. Each term is the log-probability that a
    softmax over the n candidates y_j picks the true partner of x_i; it is <= 0, so the
    bound is at most log2 n bits, however large I(X;Y) is.
    """
    return _infonce(_check_scores(scores))


_BOUNDS: dict[str, Callable[[torch.Tensor], torch.Tensor]] = {"dv": _dv, "nwj": _nwj, "infonce": _infonce}


def mine_dv(scores, log_average: torch.Tensor | None = None, *, rate: float = 0.01
            ) -> tuple[torch.Tensor, torch.Tensor]:
    """The DV bound in bits, with the gradient that MINE uses (Belghazi et al. 2018).

    The gradient of the DV bound, E_P[grad f] - E_Q[e^f grad f] / E_Q[e^f], divides by
    E_Q[e^f]; estimated on the same minibatch, the ratio is biased. MINE divides by a
    moving average of E_Q[e^f] over the past minibatches instead. The value returned
    is the DV bound of this batch; only its gradient is changed.

    Parameters
    ----------
    scores : tensor, shape (..., n, n)
        The critic's score matrix (see ``dv_bound``).
    log_average : tensor, shape (...), or None
        log of the moving average so far (None at the first step: this batch's mean).
    rate : float
        Weight of the new batch in the moving average, in (0, 1]; 1 gives the plain,
        biased DV gradient.

    Returns
    -------
    bound : tensor, shape (...)
        The DV bound of the batch in bits, with MINE's gradient.
    log_average : tensor, shape (...)
        The updated log moving average (no gradient), to pass to the next call.
    """
    scores = _check_scores(scores)
    rate = validate.number(rate, "rate", low=0, high=1, low_open=True)
    if log_average is not None:
        log_average = validate.tensor(log_average, "log_average")
        if log_average.shape != scores.shape[:-2]:
            raise ValueError(f"log_average must have shape {tuple(scores.shape[:-2])}, one per score matrix, "
                             f"got {tuple(log_average.shape)}")
    return _mine_dv(scores, log_average, rate)


def _mine_dv(scores, log_average, rate):
    log_mean = _log_mean_exp_off_diagonal(scores)
    batch = log_mean.detach()
    if log_average is None or rate == 1.0:
        log_average = batch
    else:
        log_average = torch.logaddexp(log_average + math.log1p(-rate), batch + math.log(rate))
    joint = _diagonal_mean(scores)
    value = joint - log_mean
    surrogate = joint - torch.exp(log_mean - log_average)  # gradient: E_P[grad f] - E_Q[e^f grad f] / average
    return (value.detach() + surrogate - surrogate.detach()) / _LN2, log_average


class SeparableCritic(nn.Module):
    """Separable critics f(x, y) = g(x) . h(y), with MLPs g and h (ReLU); several members at once.

    Cheap: a batch of n pairs costs n evaluations of g and n of h, and the n x n score
    matrix is one matrix product. Poole et al. (2019) used hidden = (256, 256), embed = 32.

    Parameters
    ----------
    x_dim, y_dim : int
        Dimensions of x and y.
    hidden : sequence of int
        Hidden widths of g and of h.
    embed : int
        Dimension of the embeddings g(x), h(y).
    seeds : sequence of int
        One initialisation seed per member (integers in [0, 2**31)).

    Input: x (n, x_dim) and y (n, y_dim), shared by all members, or (members, n, x_dim)
    and (members, n, y_dim). Output: scores of shape (members, n, n), entry [m, i, j] =
    f_m(x_i, y_j).
    """

    def __init__(self, x_dim: int, y_dim: int, *, hidden: Sequence[int] = (256, 256), embed: int = 32,
                 seeds: Sequence[int] = (0,)):
        super().__init__()
        x_dim, y_dim, embed = validate.count(x_dim, "x_dim"), validate.count(y_dim, "y_dim"), validate.count(embed, "embed")
        hidden = validate.counts(hidden, "hidden", min_length=0)
        seeds = [validate.count(s, f"seeds[{i}]", minimum=0, maximum=2 ** 31 - 1)
                 for i, s in enumerate(validate.sequence(seeds, "seeds", min_length=1))]
        self.members = len(seeds)
        relu = ["relu"] * self.members
        self.g = models.MLPEnsemble((x_dim, *hidden, embed), relu, [2 * s for s in seeds])
        self.h = models.MLPEnsemble((y_dim, *hidden, embed), relu, [2 * s + 1 for s in seeds])

    def forward(self, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        return self.g(x) @ self.h(y).transpose(-1, -2)


class ConcatCritic(nn.Module):
    """Critics f(x, y) = MLP([x, y]) (ReLU) on the concatenated pair; several members at once.

    The most flexible critic, and the one of MINE, but a batch of n pairs costs n^2
    network evaluations (every x_i with every y_j). Same parameters (without ``embed``),
    input and output as ``SeparableCritic``.
    """

    def __init__(self, x_dim: int, y_dim: int, *, hidden: Sequence[int] = (256, 256), seeds: Sequence[int] = (0,)):
        super().__init__()
        x_dim, y_dim = validate.count(x_dim, "x_dim"), validate.count(y_dim, "y_dim")
        hidden = validate.counts(hidden, "hidden", min_length=0)
        seeds = validate.seeds(seeds)
        self.members = len(seeds)
        self.x_dim, self.y_dim = x_dim, y_dim
        self.f = models.MLPEnsemble((x_dim + y_dim, *hidden, 1), ["relu"] * self.members, seeds)

    def forward(self, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        x, y = _per_member(x, self.members, self.x_dim, "x"), _per_member(y, self.members, self.y_dim, "y")
        members, n = x.shape[:2]
        if y.shape[1] != n:
            raise ValueError(f"x and y must hold the same number of samples, got {n} and {y.shape[1]}")
        pairs = torch.cat([x[:, :, None].expand(-1, -1, n, -1), y[:, None].expand(-1, n, -1, -1)], dim=-1)
        return self.f(pairs.reshape(members, n * n, -1)).reshape(members, n, n)


def _per_member(value, members: int, dim: int, name: str) -> torch.Tensor:
    value = validate.tensor(value, name)
    if value.ndim == 2 and value.shape[1] == dim:
        return value.expand(members, *value.shape)
    if value.ndim == 3 and value.shape[0] == members and value.shape[2] == dim:
        return value
    raise ValueError(f"{name} must have shape (n, {dim}) or ({members}, n, {dim}), got {tuple(value.shape)}")


def _check_kinds(kinds, members: int) -> list[str]:
    if isinstance(kinds, str):
        kinds = [kinds] * members
    kinds = validate.names(kinds, "kinds")
    unknown = sorted(set(kinds) - set(KINDS))
    if unknown:
        raise ValueError(f"kinds: unknown bound(s) {unknown}; expected one of {list(KINDS)}")
    validate.one_per_member(kinds, members, "kinds")
    return kinds


def _critic(critic) -> nn.Module:
    critic = validate.module(critic, "critic")
    if not isinstance(getattr(critic, "members", None), int):
        raise TypeError(f"critic must be a SeparableCritic or ConcatCritic (an nn.Module with an int `members`), "
                        f"got {type(critic).__name__}")
    return critic


def _bounds_by_kind(scores: torch.Tensor, kinds: Sequence[str]) -> torch.Tensor:
    """Each member's bound (members,) in bits, member m's scores[m] turned into a number by kinds[m]."""
    out = torch.empty(len(kinds), dtype=scores.dtype, device=scores.device)
    for kind in dict.fromkeys(kinds):
        rows = [m for m, k in enumerate(kinds) if k == kind]
        out[rows] = _BOUNDS[kind](scores[rows])
    return out


def information_bound(critic: nn.Module, x, y, kind: str | Sequence[str] = "infonce") -> torch.Tensor:
    """The lower bound on I(X;Y) that the critic gives on the batch (x, y), in bits, differentiable.

    This is the function to use as a loss term (maximise it over the critic's weights,
    and over an encoder's when y = z is its output): the training loop is yours.

    Parameters
    ----------
    critic : SeparableCritic or ConcatCritic
    x, y : tensors (or numpy arrays), shape (n, d) or (members, n, d)
        A batch of n >= 2 pairs drawn together (n rows of x paired with n rows of y).
    kind : {"dv", "nwj", "infonce"} or one per member
        Which bound. For DV with MINE's gradient correction, use ``mine_dv`` on
        ``critic(x, y)`` instead.

    Returns
    -------
    tensor
        A 0-d tensor for a one-member critic, else shape (members,); bits.
    """
    critic = _critic(critic)
    kinds = _check_kinds(kind, critic.members)
    scores = _check_scores(critic(x, y))
    bounds = _bounds_by_kind(scores, kinds)
    return bounds[0] if critic.members == 1 else bounds


@dataclass(frozen=True)
class CriticRun:
    """What ``train_critics`` measured: the bound on every training batch, bits.

    ``estimates``: shape (steps, members), the bound of each member on the batch of each step,
    computed before that step's update (the curves of Poole et al. 2019). ``evaluations``:
    what ``on_step`` returned, by step (steps where it returned None are left out).
    ``seconds``: wall time of the training steps, without ``on_step``.
    """

    estimates: np.ndarray
    evaluations: dict
    seconds: float


def train_critics(critic: nn.Module, kinds: str | Sequence[str], sample: Callable[[int], tuple], *, steps: int,
                  lr: float = 5e-4, rate: float = 0.01, on_step: Callable | None = None, device=None,
                  progress: bool = True, desc: str = "critics") -> CriticRun:
    """Train every member of ``critic`` to maximise its bound, on a fresh batch at every step (Adam).

    Parameters
    ----------
    critic : SeparableCritic or ConcatCritic
        Trained in place.
    kinds : {"dv", "nwj", "infonce"} or a sequence of them, one per member
        The bound each member maximises and reports. "dv" trains with MINE's moving
        average (``mine_dv`` with this ``rate``).
    sample : callable
        ``sample(step)`` returns a batch (x, y) of shapes (members, n, d_x), (members, n, d_y)
        (or (n, d) shared by all members), e.g. ``ground_truth.gaussian_sampler``.
    steps : int
        Training steps (>= 1), one batch each.
    lr : float
        Adam's learning rate (Poole et al.: 5e-4).
    rate : float
        MINE's moving-average rate for the "dv" members, in (0, 1].
    on_step : callable, optional
        Called as ``on_step(step, critic)`` after each step's update; what it returns,
        unless None, is kept in ``evaluations[step]`` (e.g. bounds on fresh batches under
        ``torch.no_grad()``, with the critic frozen at the end of a level).
    device : torch device, optional
        Default: ``training.default_device()``.
    progress : bool
        Show a progress bar.

    Returns
    -------
    CriticRun
    """
    critic = _critic(critic)
    kinds = _check_kinds(kinds, critic.members)
    validate.function(sample, "sample", "sample(step) -> (x, y)")
    if on_step is not None:
        validate.function(on_step, "on_step", "on_step(step, critic)")
    steps = validate.count(steps, "steps")
    lr = validate.number(lr, "lr", low=0, low_open=True)
    rate = validate.number(rate, "rate", low=0, high=1, low_open=True)
    device = training._device(device)
    critic.to(device).train()
    optimiser = torch.optim.Adam(critic.parameters(), lr=lr, fused=True)
    dv_rows = [m for m, k in enumerate(kinds) if k == "dv"]
    other_rows = [m for m, k in enumerate(kinds) if k != "dv"]
    log_average = None
    estimates = torch.empty(steps, critic.members, device=device)
    evaluations, seconds = {}, 0.0
    for step in trange(steps, desc=desc, disable=not progress, mininterval=1.0):
        start = time.perf_counter()
        x, y = sample(step)
        scores = critic(x.to(device), y.to(device))
        bounds = torch.empty(critic.members, dtype=scores.dtype, device=device)
        if dv_rows:
            bounds[dv_rows], log_average = _mine_dv(scores[dv_rows], log_average, rate)
        if other_rows:
            bounds[other_rows] = _bounds_by_kind(scores[other_rows], [kinds[m] for m in other_rows])
        optimiser.zero_grad(set_to_none=True)
        (-bounds.sum()).backward()
        optimiser.step()
        estimates[step] = bounds.detach()
        if not torch.isfinite(bounds).all():
            bad = [m for m in range(critic.members) if not torch.isfinite(bounds[m])]
            raise FloatingPointError(f"critic member(s) {bad} ({', '.join(kinds[m] for m in bad)}) diverged at step "
                                     f"{step}: the bound became NaN or infinite; lower lr, or rescale the inputs")
        seconds += time.perf_counter() - start
        if on_step is not None and (result := on_step(step, critic)) is not None:
            evaluations[step] = result
    return CriticRun(estimates=estimates.cpu().numpy().astype(np.float64), evaluations=evaluations, seconds=seconds)
