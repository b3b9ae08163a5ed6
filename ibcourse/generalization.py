"""Generalization: training sets drawn from a known population, the measured gap, and bounds on it.

On a finite population (the 4096 inputs of the 12-bit task, each equally likely, each with
its label) the population risk of a network is computable exactly, so the gap between it
and the training risk is measured, not estimated from a test sample. Informations are in
bits; the bounds say what they assume.

``draw_training_sets``       per-member training sets of n i.i.d. draws from the population
``TrainingSets``             those sets: a loss for ``training.train`` and the risks of a trained ensemble
``LangevinGD``               noisy gradient descent with clipped gradients, one noise level per member
``langevin_information``     Pensia, Jog & Loh (2018): a step-by-step upper bound on I(S; W)
``xu_raginsky_bound``        Xu & Raginsky (2017): |E gap| <= sqrt(2 s^2 I(S; W) / n)
``input_compression_bound``  the argument of Shwartz-Ziv & Tishby (2017) with 2**I(X;T) cells
``correlation``              Pearson's r with a Fisher-z interval, optionally within groups
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import scipy.stats
import torch

from ibcourse import validate
from ibcourse.models import ensemble_cross_entropy

_LN2 = math.log(2.0)


# ----------------------------------------------------------------------------
# Training sets from a finite population
# ----------------------------------------------------------------------------
@dataclass(frozen=True)
class TrainingSets:
    """One training set per ensemble member, each a multiset of draws from a population of N inputs.

    ``draws[m]`` (length ``sizes[m]``) lists the population indices member m trains on
    (with repetitions); ``counts`` (members, N) says how often each input was drawn.
    ``slots`` and ``objective`` let ``training.train`` run every member on its own set
    in one batched pass; ``risks`` measures training and population risks.
    """

    draws: tuple[np.ndarray, ...]
    sizes: np.ndarray
    counts: np.ndarray

    @property
    def members(self) -> int:
        return len(self.draws)

    @property
    def slots(self) -> torch.Tensor:
        """Positions 0 .. max(sizes) - 1: what ``training.train`` shuffles and splits into minibatches.

        Position j stands for draw ``j mod sizes[m]`` of member m, so that one epoch over the
        slots shows member m each of its draws about max(sizes) / sizes[m] times (exactly, in
        the reshuffled order of the positions).
        """
        return torch.arange(int(self.sizes.max()))

    def _table(self) -> torch.Tensor:
        width = int(self.sizes.max())
        return torch.from_numpy(np.stack([np.resize(d, width) for d in self.draws]))  # np.resize repeats

    def objective(self, x_all, y_all, penalty=None):
        """A ``loss_fn`` for ``training.train(model, sets.slots, sets.slots, ...)``.

        For a minibatch of slots, member m gets the inputs ``x_all[draws]`` and labels
        ``y_all[draws]`` of its own set at those slots; its loss is the mean
        cross-entropy in bits (plus ``penalty(model)``, a tensor (members,), if given).
        ``x_all`` (N, features) and integer ``y_all`` (N,) are the whole population.
        """
        x_all = validate.tensor(x_all, "x_all").float()
        y_all = validate.tensor(y_all, "y_all")
        validate.finite(x_all, "x_all")
        if x_all.ndim != 2 or y_all.shape != (len(x_all),) or len(x_all) != self.counts.shape[1]:
            raise ValueError(f"x_all must be (N, features) and y_all (N,) with N = {self.counts.shape[1]}, got "
                             f"{tuple(x_all.shape)} and {tuple(y_all.shape)}")
        table = self._table()

        def loss_fn(model, slots, _, epoch):
            index = table[:, slots.cpu()]  # (members, batch) population indices
            cross_entropy = ensemble_cross_entropy(model(x_all[index].to(slots.device)), y_all[index].to(slots.device))
            total = cross_entropy if penalty is None else cross_entropy + penalty(model)
            return {"loss": total.sum(), "cross_entropy": cross_entropy}
        return loss_fn

    @torch.no_grad()
    def risks(self, model, x_all, y_all, *, passes: int = 1) -> dict[str, np.ndarray]:
        """Training and population risks of every member, each an array (members,).

        ``train_error``/``population_error``: the 0-1 loss averaged over the member's draws
        and over the whole population (every input with probability 1/N: the exact risk);
        ``train_loss``/``population_loss``: the same for the cross-entropy, in bits;
        ``error_gap`` = population_error - train_error, ``loss_gap`` likewise. A noisy
        network is evaluated ``passes`` times (fresh noise each time) and averaged: the
        risk of the random predictor.
        """
        passes = validate.count(passes, "passes")
        x_all = validate.model_input(x_all, model, "x_all")
        y_all = validate.tensor(y_all, "y_all")
        if len(x_all) != self.counts.shape[1] or y_all.shape != (len(x_all),):
            raise ValueError(f"x_all and y_all must cover the population of {self.counts.shape[1]} inputs, got "
                             f"{tuple(x_all.shape)} and {tuple(y_all.shape)}")
        was_training = model.training
        model.eval()
        device = next(model.parameters()).device
        x_all, labels = x_all.to(device), y_all.to(device)
        errors, losses = 0.0, 0.0
        for _ in range(passes):
            log_p = torch.log_softmax(model(x_all), dim=-1)  # (members, N, classes)
            errors = errors + (log_p.argmax(-1) != labels).double().cpu().numpy() / passes
            picked = log_p.gather(2, labels.expand(log_p.shape[0], -1)[..., None])[..., 0]
            losses = losses - picked.double().cpu().numpy() / _LN2 / passes
        model.train(was_training)
        weights = self.counts / self.sizes[:, None]
        result = {"train_error": np.sum(weights * errors, axis=1), "population_error": errors.mean(axis=1),
                  "train_loss": np.sum(weights * losses, axis=1), "population_loss": losses.mean(axis=1)}
        result["error_gap"] = result["population_error"] - result["train_error"]
        result["loss_gap"] = result["population_loss"] - result["train_loss"]
        return result


def draw_training_sets(population: int, sizes: Sequence[int], seeds: Sequence[int]) -> TrainingSets:
    """Training sets of ``sizes[m]`` independent, uniform draws (with replacement) from ``population`` inputs.

    I.i.d. draws are what the generalization bounds assume; some inputs are drawn twice
    and count twice. Member m's set is fixed by ``seeds[m]``: two members with the same
    size and seed train on the same set.

    Parameters
    ----------
    population : int
        N, the number of inputs (e.g. 4096).
    sizes : sequence of int
        n of each member, >= 1.
    seeds : sequence of int
        One per member.
    """
    population = validate.count(population, "population")
    sizes = validate.counts(sizes, "sizes")
    seeds = validate.seeds(seeds)
    if len(sizes) != len(seeds):
        raise ValueError(f"sizes and seeds need one entry per member, got {len(sizes)} and {len(seeds)}")
    draws = tuple(np.random.default_rng(seed).integers(0, population, size=n) for n, seed in zip(sizes, seeds))
    counts = np.stack([np.bincount(d, minlength=population) for d in draws])
    return TrainingSets(draws=draws, sizes=np.array(sizes), counts=counts)


# ----------------------------------------------------------------------------
# Noisy training and the information its weights carry about the training set
# ----------------------------------------------------------------------------
class LangevinGD(torch.optim.Optimizer):
    """Noisy gradient descent with clipped gradients for an ensemble (Langevin dynamics, discretised).

    Every parameter's leading axis is the member axis (as in ``models.MLPEnsemble``). At
    each step, member m's gradient g_m (over all its parameters) is scaled down to norm
    ``clip`` when longer, and

        W_m  <-  W_m - lr * g_m + N(0, noise_std[m]^2 I)

    on every one of its parameters. The update g_m is then bounded by ``clip``: the
    condition of ``langevin_information``. The noise comes from torch's global generator.

    Parameters
    ----------
    params : iterable of parameters, each of shape (members, ...)
    lr : float > 0
    noise_std : sequence of float, one per member, each > 0 (the standard deviation per coordinate)
    clip : float > 0, the largest gradient norm L
    """

    def __init__(self, params: Iterable[torch.nn.Parameter], lr: float, *, noise_std: Sequence[float], clip: float):
        lr = validate.number(lr, "lr", low=0, low_open=True)
        clip = validate.number(clip, "clip", low=0, low_open=True)
        stds = [validate.number(s, f"noise_std[{i}]", low=0, low_open=True)
                for i, s in enumerate(validate.sequence(noise_std, "noise_std", min_length=1))]
        params = list(params)
        for p in params:
            if p.ndim == 0 or p.shape[0] != len(stds):
                raise ValueError(f"noise_std has {len(stds)} entries, but a parameter of shape {tuple(p.shape)} "
                                 "does not have one row per member")
        super().__init__(params, {"lr": lr, "clip": clip, "noise_std": torch.tensor(stds)})

    @torch.no_grad()
    def step(self, closure=None):
        loss = None if closure is None else closure()
        for group in self.param_groups:
            params = group["params"]
            squares = sum(p.grad.square().flatten(1).sum(1) for p in params if p.grad is not None)
            norms = torch.as_tensor(squares, dtype=params[0].dtype).sqrt()
            scale = group["lr"] * torch.clamp(group["clip"] / norms, max=1.0)  # (members,); no gradient: scale lr
            stds = group["noise_std"].to(params[0].device, params[0].dtype)
            for p in params:
                shape = (-1,) + (1,) * (p.ndim - 1)
                if p.grad is not None:
                    p.sub_(p.grad * scale.view(shape))
                p.add_(torch.randn_like(p) * stds.view(shape))
        return loss


def langevin_information(lrs, noise_stds, clip: float, dim: int) -> np.ndarray:
    """Pensia, Jog & Loh (2018): an upper bound on I(S; W_t) after each step t, in bits.

    For iterates W_t = W_{t-1} - lr_t F(W_{t-1}, batch_t) + N(0, noise_std_t^2 I_d), where
    the update F is bounded, ||F|| <= ``clip`` (clipped gradients), the batches are chosen
    independently of the data and W_0 independently of S, each step is a Gaussian channel
    with input power at most (lr_t clip)^2, so

        I(S; W_t) <= sum_{s <= t} (d / 2) log2(1 + lr_s^2 clip^2 / (d noise_std_s^2)).

    Parameters
    ----------
    lrs, noise_stds : arrays (steps,), > 0
        The learning rate and the noise's standard deviation per coordinate at each step.
    clip : float > 0
        L, the bound on the norm of the update direction.
    dim : int
        d, the number of parameters that receive noise.

    Returns
    -------
    array (steps,): the bound after each step (non-decreasing), bits.
    """
    lrs, noise_stds = (validate.non_negative(v, name).astype(np.float64).ravel()
                       for v, name in ((lrs, "lrs"), (noise_stds, "noise_stds")))
    if lrs.shape != noise_stds.shape:
        raise ValueError(f"lrs and noise_stds need one entry per step, got {lrs.shape} and {noise_stds.shape}")
    if np.any(noise_stds == 0):
        raise ValueError("noise_stds must be > 0: without noise a step can carry unbounded information")
    clip = validate.number(clip, "clip", low=0, low_open=True)
    dim = validate.count(dim, "dim")
    return np.cumsum(dim / 2 * np.log1p(lrs ** 2 * clip ** 2 / (dim * noise_stds ** 2)) / _LN2)


def xu_raginsky_bound(information, n: int, *, sub_gaussian: float = 0.5) -> np.ndarray:
    """Xu & Raginsky (2017): |E[population risk - training risk]| <= sqrt(2 s^2 I(S; W) / n).

    Holds when the loss is s-sub-Gaussian under the data distribution for every w (a loss
    with values in [0, 1], such as the 0-1 loss, has s = 1/2), and S is n i.i.d. draws.
    It bounds the expected gap, over training sets and the algorithm's randomness, not
    the gap of one run.

    Parameters
    ----------
    information : float or array, bits (>= 0): I(S; W) or an upper bound on it
    n : int, the training-set size
    sub_gaussian : float > 0, s

    Returns
    -------
    array of the information's shape: the bound, in units of the loss.
    """
    information = validate.non_negative(information, "information").astype(np.float64)
    n = validate.count(n, "n")
    s = validate.number(sub_gaussian, "sub_gaussian", low=0, low_open=True)
    return np.sqrt(2 * s ** 2 * information * _LN2 / n)


def input_compression_bound(i_xt, n: int, *, delta: float = 0.05, classes: int = 2) -> np.ndarray:
    """The input-compression bound argued by Shwartz-Ziv & Tishby (2017), with its constants.

    The argument: if the representation T partitions the inputs into about 2**I(X;T)
    cells, and the classifier may label each cell freely, there are
    |H| = classes**(2**I(X;T)) classifiers; Hoeffding's inequality and a union bound over
    a class fixed before the data is seen give, with probability >= 1 - delta,

        gap <= sqrt((2**I(X;T) ln(classes) + ln(1/delta)) / (2 n))     (0-1 loss).

    It is an argument, not a theorem about trained networks: the cells are learnt from the
    same data, and "about 2**I(X;T) cells" is a typical-set heuristic. Above 1 it says
    nothing about a 0-1 loss.

    Parameters
    ----------
    i_xt : float or array, bits (>= 0)
    n : int, the training-set size
    delta : float in (0, 1), the probability that the bound fails
    classes : int >= 2

    Returns
    -------
    array of i_xt's shape.
    """
    i_xt = validate.non_negative(i_xt, "i_xt").astype(np.float64)
    n = validate.count(n, "n")
    delta = validate.number(delta, "delta", low=0, high=1, low_open=True, high_open=True)
    classes = validate.count(classes, "classes", minimum=2)
    with np.errstate(over="ignore"):  # 2**I beyond float range: an infinite, vacuous bound
        return np.sqrt((np.exp2(i_xt) * math.log(classes) + math.log(1 / delta)) / (2 * n))


# ----------------------------------------------------------------------------
# Correlation with an interval
# ----------------------------------------------------------------------------
@dataclass(frozen=True)
class Correlation:
    """Pearson's r of ``pairs`` points, with a Fisher-z interval at ``confidence``; ``controlled``
    group means removed first (0: none)."""

    r: float
    low: float
    high: float
    pairs: int
    controlled: int
    confidence: float

    def __str__(self) -> str:
        within = f", within {self.controlled + 1} groups" if self.controlled else ""
        return (f"r = {self.r:+.2f} ({self.confidence:.0%} interval {self.low:+.2f} to {self.high:+.2f}; "
                f"{self.pairs} runs{within})")


def correlation(x, y, *, groups=None, confidence: float = 0.95) -> Correlation:
    """Pearson's correlation of x and y with a Fisher-z confidence interval.

    With ``groups`` (one label per point), each group's mean is subtracted from x and from
    y first: the correlation *within* groups (e.g. among runs with the same training-set
    size), with k - 1 degrees of freedom fewer for k groups. The interval is
    tanh(atanh(r) +- z / sqrt(pairs - 3 - (k - 1))), which assumes independent points from a
    bivariate normal: read it as approximate.

    Parameters
    ----------
    x, y : arrays (pairs,), finite
    groups : array (pairs,), optional
    confidence : float in (0, 1)
    """
    x, y = (validate.array(v, name).astype(np.float64).ravel() for v, name in ((x, "x"), (y, "y")))
    if x.shape != y.shape:
        raise ValueError(f"x and y need one value per point, got {x.shape} and {y.shape}")
    validate.finite(x, "x")
    validate.finite(y, "y")
    confidence = validate.number(confidence, "confidence", low=0, high=1, low_open=True, high_open=True)
    controlled = 0
    if groups is not None:
        groups = np.asarray(groups).ravel()
        if groups.shape != x.shape:
            raise ValueError(f"groups needs one label per point, got {groups.shape} for {x.shape}")
        labels = np.unique(groups, return_inverse=True)[1].ravel()
        controlled = int(labels.max())
        for v in (x, y):
            v -= (np.bincount(labels, weights=v) / np.bincount(labels))[labels]
    dof = len(x) - 3 - controlled
    if dof < 1:
        raise ValueError(f"{len(x)} points{' in ' + str(controlled + 1) + ' groups' if controlled else ''} are too few "
                         f"for an interval: need at least {4 + controlled}")
    if np.ptp(x) == 0 or np.ptp(y) == 0:
        raise ValueError("x or y is constant (within groups): the correlation is undefined")
    r = float(np.clip(np.corrcoef(x, y)[0, 1], -1.0, 1.0))
    half = float(scipy.stats.norm.ppf(0.5 + confidence / 2)) / math.sqrt(dof)
    z = math.atanh(r) if abs(r) < 1 else math.copysign(math.inf, r)
    return Correlation(r, math.tanh(z - half), math.tanh(z + half), len(x), controlled, confidence)
