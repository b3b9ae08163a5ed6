"""Estimators of I(X;T) and I(T;Y) from one layer's activations, as used on the information plane.

Both take ``t``, an array of shape (n, units) with one row per input, and integer
labels ``y`` of shape (n,). The inputs are taken to be equiprobable (each row has
probability 1/n) and the layer deterministic, as in the 12-bit task of Shwartz-Ziv
& Tishby, where every pattern occurs once. All results are in bits.

``exact_information``   no binning: each distinct activation vector (as computed, float32
                        or float64) is one symbol; H(T) of the layer as it is
``binned_information``  bin every unit, treat the binned layer as one discrete symbol
``kde_information``     add Gaussian noise to the layer; pairwise-distance bounds
                        (Kolchinsky & Tracey 2017, as used by Saxe et al. 2018)
``noisy_information``   the same noisy layer's information by Monte Carlo, with a standard error
                        (for a noisy network, where the noise is part of the layer)
``information_plane``   one of them at every recorded epoch and layer of a training run
``largest_group``       the activation vector shared by the most inputs (where a layer merges them)
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import torch
from tqdm.auto import tqdm

from ibcourse import info, validate

_LN2 = float(np.log(2.0))


@dataclass(frozen=True)
class InformationEstimate:
    """I(X;T) and I(T;Y) of one layer, in bits."""

    i_xt: float
    i_ty: float


@dataclass(frozen=True)
class KDEEstimate(InformationEstimate):
    """KDE estimates, in bits: ``i_xt``/``i_ty`` from the upper bound, ``*_lower`` from the lower one.

    ``i_xt_lower <= I(X;T) <= i_xt`` are true bounds for the noisy layer T + N(0, noise_var I).
    ``i_ty`` and ``i_ty_lower`` are differences of two bounds (H(T) minus H(T|Y)),
    so they are estimates, not bounds.
    """

    i_xt_lower: float
    i_ty_lower: float


def _check_layer(t, y) -> tuple[np.ndarray, np.ndarray]:
    t = validate.array(t, "t")
    y = validate.array(y, "y", allow_bool=True)
    if t.ndim != 2:
        raise ValueError(f"t must have shape (n inputs, units), got shape {t.shape}")
    if t.shape[0] == 0 or t.shape[1] == 0:
        raise ValueError(f"t is empty: shape {t.shape}")
    validate.finite(t, "t")
    if y.shape != (t.shape[0],):
        raise ValueError(f"y must have shape ({t.shape[0]},) to match t, got {y.shape}")
    if not np.issubdtype(y.dtype, np.integer):
        raise TypeError(f"y must hold integer class labels, got dtype {y.dtype}")
    return t, y


def _symbols(index: np.ndarray, bins: int) -> np.ndarray:
    """One integer per row of ``index`` (n, units), equal for equal rows."""
    units = index.shape[1]
    if units * np.log2(bins) < 62:  # a mixed-radix code fits in int64: one sort instead of a row sort
        return index @ (bins ** np.arange(units, dtype=np.int64))
    return np.unique(index, axis=0, return_inverse=True)[1].ravel()


def _discrete_information(symbols: np.ndarray, y: np.ndarray) -> InformationEstimate:
    """H(T) and I(T;Y) in bits of integer symbols (n,) and labels (n,), each row of weight 1/n."""
    symbols = np.unique(symbols, return_inverse=True)[1].ravel()
    labels = np.unique(y, return_inverse=True)[1].ravel()
    n_labels = int(labels.max()) + 1
    n = len(labels)
    h_t = info.entropy(np.bincount(symbols) / n)
    h_y = info.entropy(np.bincount(labels) / n)
    h_ty = info.entropy(np.bincount(symbols * n_labels + labels) / n)
    return InformationEstimate(i_xt=h_t + 0.0, i_ty=max(h_t + h_y - h_ty, 0.0))


def exact_information(t, y) -> InformationEstimate:
    """I(X;T) = H(T) and I(T;Y) in bits of a deterministic layer, without binning.

    Every distinct activation vector is one symbol, compared exactly as computed (two
    inputs share a symbol only when all their units are equal numbers, e.g. both 0.0
    after a ReLU, or both 1.0 where a float32 tanh saturates; -0.0 equals 0.0). With equiprobable
    distinct inputs, I(X;T) = H(T): it is log2 n when the layer is injective on the
    inputs and falls only when the layer maps different inputs to the same vector.

    Parameters
    ----------
    t : array, shape (n, units)
        Activations, one row per input (each input once, equiprobable).
    y : int array, shape (n,)
        Class labels.

    Returns
    -------
    InformationEstimate
        ``i_xt`` = H(T) in [0, log2 n] and ``i_ty`` in [0, min(i_xt, H(Y))], bits.
    """
    t, y = _check_layer(t, y)
    if np.issubdtype(t.dtype, np.floating):
        t = t + 0.0  # -0.0 + 0.0 is 0.0: equal numbers get equal bytes (NaN was ruled out above)
    t = np.ascontiguousarray(t)
    rows = t.view(np.dtype((np.void, t.dtype.itemsize * t.shape[1]))).ravel()  # one byte string per row
    return _discrete_information(rows, y)


def largest_group(t) -> tuple[int, np.ndarray]:
    """The activation vector that the most inputs share, and how many share it.

    Parameters
    ----------
    t : array, shape (n, units)
        Activations, one row per input.

    Returns
    -------
    count : int
        How many rows equal the most frequent row (1 when the layer is injective).
    row : array, shape (units,)
        That row (the first in sorted order if several are as frequent), e.g. the
        all-zero vector where a ReLU layer merges inputs.
    """
    t = np.asarray(t)
    if t.ndim != 2 or t.shape[0] == 0:
        raise ValueError(f"t must have shape (n inputs >= 1, units), got shape {t.shape}")
    if not np.issubdtype(t.dtype, np.number) or not np.all(np.isfinite(t)):
        raise ValueError("t must be finite numbers (found NaN, inf or a non-numeric type)")
    rows, counts = np.unique(t, axis=0, return_counts=True)
    return int(counts.max()), rows[counts.argmax()]


def binned_information(t, y, *, bins: int = 30, value_range: tuple[float, float] | None = (-1.0, 1.0)
                       ) -> InformationEstimate:
    """I(X;T) and I(T;Y) in bits by binning, as in Shwartz-Ziv & Tishby (2017).

    Each unit's activation is put in one of ``bins`` equal-width bins spanning
    ``value_range``; the layer's vector of bin indices is one discrete symbol T.
    With equiprobable distinct inputs and a deterministic layer, I(X;T) = H(T), the
    entropy of the symbols' frequencies, and I(T;Y) = H(T) + H(Y) - H(T, Y) from the
    joint counts of symbol and label.

    Parameters
    ----------
    t : array, shape (n, units)
        Activations, one row per input (each input once, equiprobable).
    y : int array, shape (n,)
        Class labels.
    bins : int
        Number of bins per unit (>= 1).
    value_range : (low, high) or None
        The binning grid. Values below ``low`` fall in the first bin and values above
        ``high`` in the last (a fixed grid saturates: this is what makes ReLU units
        look compressed on the tanh grid (-1, 1)). ``None``: from min(t) to max(t).
        For a whole training run, ``information_plane(..., value_range="span")``
        passes each layer's min and max over all epochs, so that every epoch is
        binned on one grid. That is this course's choice for unbounded (ReLU) layers;
        the public codes differ: Shwartz-Ziv & Tishby's (IDNNs) bins every layer, ReLU
        and softmax included, with the edges np.linspace(-1, 1, 30) (29 bins), and
        Saxe et al.'s (ibsgd) uses bins of a fixed width, 0.07, wherever the values lie.

    Returns
    -------
    InformationEstimate
        ``i_xt`` in [0, log2 n] and ``i_ty`` in [0, min(i_xt, H(Y))], bits.
    """
    t, y = _check_layer(t, y)
    bins = validate.count(bins, "bins")
    if isinstance(value_range, str):
        raise TypeError(f"value_range={value_range!r} is understood by information_plane only; give (low, high) or None")
    if value_range is None:
        low, high = float(t.min()), float(t.max())
    else:
        low, high = validate.interval(value_range, "value_range")
    width = (high - low) / bins if high > low else 1.0  # a constant layer: every value in bin 0
    index = np.clip(np.floor((t - low) / width), 0, bins - 1).astype(np.int64)
    return _discrete_information(_symbols(index, bins), y)


def _class_log_sum_kernels(h: torch.Tensor, labels: torch.Tensor, scales: Sequence[float], chunk: int,
                           queries: torch.Tensor | None = None) -> list[torch.Tensor]:
    """Per scale s, entry (i, c): log sum_{j in class c} exp(-||q_i - h_j||^2 / s), shape (n, classes).

    The queries q are ``queries`` (m, units), or ``h`` itself. ``h`` (n, units) must be
    sorted by ``labels`` so that each class is one block of columns. The squared
    distances of a chunk of rows are computed once for all scales.
    """
    bounds = torch.cumsum(torch.bincount(labels), 0).tolist()
    blocks = list(zip([0] + bounds[:-1], bounds))
    squares = h.square().sum(dim=1)
    queries = h if queries is None else queries
    query_squares = squares if queries is h else queries.square().sum(dim=1)
    rows: list[list[torch.Tensor]] = [[] for _ in scales]
    for start in range(0, queries.shape[0], chunk):
        part = queries[start:start + chunk]
        dist2 = torch.addmm(query_squares[start:start + chunk, None] + squares[None, :], part, h.T,
                            alpha=-2.0).clamp_(min=0.0)
        for out, scale in zip(rows, scales):
            logk = dist2 * (-1.0 / scale)
            out.append(torch.stack([torch.logsumexp(logk[:, a:b], dim=1) for a, b in blocks], dim=1))
    return [torch.cat(out) for out in rows]


def kde_information(t, y, *, noise_var: float = 0.1, chunk: int = 128) -> KDEEstimate:
    """Kernel (pairwise-distance) bounds on the information of a noisy layer, in bits.

    The layer is made stochastic by adding noise, T = h(X) + N(0, noise_var I), so
    that I(X;T) is finite (for a deterministic layer and continuous X it would be
    infinite; for discrete X it would be H(X)). T is then a mixture of n Gaussians,
    one per input, and Kolchinsky & Tracey (2017) bound its entropy with pairwise
    distances. The Gaussian entropy H(T|X) cancels, leaving, in nats,

        upper:  I(X;T) <= -1/n sum_i log 1/n sum_j exp(-||h_i - h_j||^2 / (2 noise_var))
        lower:  I(X;T) >= the same with 8 noise_var in place of 2 noise_var
                          (Bhattacharyya distance)

    converted to bits here. I(T;Y) = H(T) - sum_c p(c) H(T | Y=c), with the same bound
    used for both terms, as Saxe et al. (2018) did (their public code sets the noise
    variance to 1e-3; the course's notebooks choose their own).

    Parameters
    ----------
    t : array, shape (n, units)
        Activations, one row per equiprobable input.
    y : int array, shape (n,)
        Class labels.
    noise_var : float
        Variance of the added noise (> 0), in squared activation units.
    chunk : int
        Rows of the n x n distance matrix computed at a time (memory 8 * chunk * n bytes; the
        default keeps a block in a CPU cache, measured 2.5 times faster than 1024 rows at n = 4096).

    Returns
    -------
    KDEEstimate
        Upper-bound estimates in ``i_xt``, ``i_ty``; lower-bound ones in
        ``i_xt_lower``, ``i_ty_lower``; all in [0, log2 n] bits.
    """
    t, y = _check_layer(t, y)
    noise_var = validate.number(noise_var, "noise_var", low=0, low_open=True)
    chunk = validate.count(chunk, "chunk")
    h, labels, counts = _sorted_layer(t, y)
    n = float(len(labels))
    results = []
    for per_class in _class_log_sum_kernels(h, labels, (2 * noise_var, 8 * noise_var), chunk):  # (n, classes)
        h_t = -(torch.logsumexp(per_class, dim=1) - np.log(n)).mean()  # nats, minus the Gaussian part
        own = per_class.gather(1, labels[:, None]).ravel() - torch.log(counts[labels])
        h_t_given_y = -own.mean()  # sum_c p(c) H(T|Y=c), p(c) = n_c / n
        results.append((float(h_t) / _LN2, max(float(h_t - h_t_given_y) / _LN2, 0.0)))
    (upper_xt, upper_ty), (lower_xt, lower_ty) = results
    return KDEEstimate(i_xt=upper_xt, i_ty=upper_ty, i_xt_lower=lower_xt, i_ty_lower=lower_ty)


@dataclass(frozen=True)
class NoisyEstimate(InformationEstimate):
    """Monte Carlo estimates of the information of a noisy layer, in bits, with standard errors in bits.

    The standard errors are conservative (the spread of all per-input terms, not only of
    the noise), so the sampling error of ``i_xt`` is at most about ``i_xt_error``.
    """

    i_xt_error: float
    i_ty_error: float


def _sorted_layer(t, y) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """The layer as float64 rows sorted by class (each class one block), the sorted labels 0..C-1, the class sizes."""
    labels = np.unique(y, return_inverse=True)[1].ravel()
    order = np.argsort(labels, kind="stable")
    h = torch.as_tensor(np.asarray(t, dtype=np.float64)[order])
    labels = torch.as_tensor(labels[order])
    return h, labels, torch.bincount(labels).to(h.dtype)


def noisy_information(t, y, *, noise_var: float, samples: int = 1, seed: int = 0, chunk: int = 128) -> NoisyEstimate:
    """I(X;T) and I(T;Y) in bits of the noisy layer T = h(X) + N(0, noise_var I), by Monte Carlo.

    Where the noise is part of the network (a noisy network, Goldfeld et al. 2019), this
    is the information the layer carries. Given X = x_i, T is Gaussian around h_i; T is
    a mixture of n such Gaussians (one per equiprobable input), so

        I(X;T) = E_i E_z [ log N(h_i + s z; h_i, s^2) - log 1/n sum_j N(h_i + s z; h_j, s^2) ]
               = E_i E_z [ -||z||^2 / 2 - log 1/n sum_j exp(-||h_i + s z - h_j||^2 / (2 s^2)) ],

    with s^2 = ``noise_var``; and I(T;Y) the same with the mixture of the input's class in
    place of its own Gaussian. The expectations over z are estimated with ``samples`` draws
    per input, from a generator seeded with ``seed``. The kernel bounds of
    ``kde_information`` bracket the same I(X;T) (up to the sampling error).

    Parameters
    ----------
    t : array, shape (n, units)
        The noise-free activations h(x), one row per equiprobable input.
    y : int array, shape (n,)
        Class labels.
    noise_var : float
        s^2 > 0, the variance of the noise, in squared activation units.
    samples : int
        Noise draws per input (cost: one n x n distance pass each).
    seed : int
        Seeds the draws (global random state is untouched).
    chunk : int
        Rows of the distance matrix computed at a time.

    Returns
    -------
    NoisyEstimate
        ``i_xt``, ``i_ty`` and their standard errors, bits.
    """
    t, y = _check_layer(t, y)
    noise_var = validate.number(noise_var, "noise_var", low=0, low_open=True)
    samples = validate.count(samples, "samples")
    chunk = validate.count(chunk, "chunk")
    gen = torch.Generator().manual_seed(validate.seed(seed))
    h, labels, counts = _sorted_layer(t, y)
    n = float(len(labels))
    terms_xt, terms_ty = [], []
    for _ in range(samples):
        z = torch.randn(h.shape, generator=gen, dtype=h.dtype)
        (per_class,) = _class_log_sum_kernels(h, labels, (2 * noise_var,), chunk, queries=h + np.sqrt(noise_var) * z)
        log_mixture = torch.logsumexp(per_class, dim=1) - np.log(n)  # log 1/n sum_j exp(...), nats
        log_class = per_class.gather(1, labels[:, None]).ravel() - torch.log(counts[labels])
        terms_xt.append(-z.square().sum(dim=1) / 2 - log_mixture)
        terms_ty.append(log_class - log_mixture)
    values = [torch.cat(terms) / _LN2 for terms in (terms_xt, terms_ty)]
    (i_xt, se_xt), (i_ty, se_ty) = ((float(v.mean()), float(v.std() / np.sqrt(len(v)))) for v in values)
    return NoisyEstimate(i_xt=i_xt, i_ty=i_ty, i_xt_error=se_xt, i_ty_error=se_ty)


#: The estimators ``information_plane`` knows by name.
ESTIMATORS: dict[str, Callable[..., InformationEstimate]] = {
    "binned": binned_information, "kde": kde_information, "exact": exact_information, "noisy": noisy_information}


@dataclass(frozen=True)
class InformationPlane:
    """Estimates for every recorded epoch and layer, in bits.

    ``i_xt``, ``i_ty``: shape (epochs, layers). ``estimator`` names what they are:
    "binned", "exact", "kde" (then ``i_xt`` is the upper bound on I(X;T), ``i_ty`` the
    difference of upper bounds, and ``i_xt_lower``, ``i_ty_lower`` hold the lower-bound
    versions) or the name of a function given to ``information_plane``.
    """

    epochs: np.ndarray
    layers: tuple[str, ...]
    i_xt: np.ndarray
    i_ty: np.ndarray
    estimator: str = "binned"
    i_xt_lower: np.ndarray | None = None
    i_ty_lower: np.ndarray | None = None

    def compression(self) -> np.ndarray:
        """Per layer, shape (layers,): the peak of I(X;T) over the epochs minus its last value, bits."""
        return self.i_xt.max(axis=0) - self.i_xt[-1]


def _as_pair(result, name: str) -> tuple[float, float]:
    """(i_xt, i_ty) from an ``InformationEstimate`` or a pair of numbers returned by an estimator."""
    if isinstance(result, InformationEstimate):
        return result.i_xt, result.i_ty
    if isinstance(result, (str, bytes)):
        result = None  # not a pair of numbers, even when it has two characters
    try:
        i_xt, i_ty = (float(v) for v in result)
    except (TypeError, ValueError):
        raise TypeError(f"estimator {name} must return an InformationEstimate or a pair (i_xt, i_ty) of numbers, "
                        f"got {result!r}") from None
    return i_xt, i_ty


def _grid(value, name: str):
    """One binning grid: "span", None or a pair (low, high) with low < high."""
    if isinstance(value, str):
        if value != "span":
            raise ValueError(f"{name}={value!r}: the one named grid is 'span' (a layer's min and max over all epochs)")
        return value
    return None if value is None else validate.interval(value, name)


def _layer_grids(value_range, names: Sequence[str]) -> dict:
    """The grid of each layer: ``value_range`` for all of them, or looked up per layer in a mapping."""
    if not isinstance(value_range, Mapping):
        grid = _grid(value_range, "value_range")
        return {layer_name: grid for layer_name in names}
    missing, unknown = [n for n in names if n not in value_range], [n for n in value_range if n not in names]
    if missing or unknown:
        raise ValueError(f"value_range, as a mapping, needs one grid per layer: missing {missing}, "
                         f"not a layer {unknown}")
    return {layer_name: _grid(value_range[layer_name], f"value_range[{layer_name!r}]") for layer_name in names}


def information_plane(activations: Mapping[str, np.ndarray], y, epochs, *,
                      estimator: str | Callable = "binned", epoch_index: Sequence[int] | None = None,
                      label: str | None = None, progress: bool = True, **options) -> InformationPlane:
    """Estimate I(X;T) and I(T;Y) of every layer at every recorded epoch.

    Parameters
    ----------
    activations : mapping of layer name -> array, shape (epochs, n, units)
        One network's recorded activations, input-side layer first.
    y : int array, shape (n,)
        Class labels.
    epochs : array of int, shape (epochs,)
        The epoch of each recording.
    estimator : "binned", "exact", "kde" or a function
        ``binned_information``, ``exact_information`` or ``kde_information``; or any
        ``estimator(t, y, **options)`` returning an ``InformationEstimate`` or a pair
        ``(i_xt, i_ty)`` in bits (e.g. your own estimator from an exercise).
    epoch_index : sequence of int, optional
        Estimate only these recordings (positions in ``epochs``), e.g. for the slow KDE.
    label : str, optional
        What the plane calls its estimator (``InformationPlane.estimator``, which the
        plots turn into axis labels): e.g. "exact" for your own exact estimator.
        Default: the estimator's name.
    progress : bool
        Show a progress bar (tqdm) over the layers x epochs when the work takes more
        than a second.
    **options
        Passed to the estimator. ``value_range`` (for "binned", or a function that
        takes it) may be one grid for every layer or a mapping from every layer name
        to its own, e.g. ``{"act1": (-1, 1), ..., "out": (0, 1)}``; each grid is a pair
        ``(low, high)``, ``None`` (each recording's own min and max) or ``"span"``: the
        layer's min and max over all recorded epochs, so that every epoch of a layer
        shares one grid (this course's choice for unbounded layers).

    Returns
    -------
    InformationPlane
        With ``i_xt_lower`` and ``i_ty_lower`` filled in for "kde".
    """
    if callable(estimator):
        estimate, name = estimator, getattr(estimator, "__name__", "custom")
    elif isinstance(estimator, str) and estimator in ESTIMATORS:
        estimate, name = ESTIMATORS[estimator], estimator
    else:
        raise ValueError(f"estimator must be one of {sorted(ESTIMATORS)} or a function, got {estimator!r}")
    if label is not None:
        if not isinstance(label, str) or not label:
            raise TypeError(f"label must be a non-empty string, got {label!r}")
        name = label
    if "value_range" in options and estimate in (exact_information, kde_information, noisy_information):
        raise ValueError(f"value_range is a binning grid: estimator={name!r} does not bin")
    if not isinstance(activations, Mapping):
        raise TypeError(f"activations must be a mapping of layer name -> array, got {type(activations).__name__}")
    epochs = validate.integers(epochs, "epochs")
    names = tuple(activations)
    if not names:
        raise ValueError("activations is empty: give at least one layer")
    activations = {layer_name: validate.array(activations[layer_name], f"activations[{layer_name!r}]")
                   for layer_name in names}
    for layer_name in names:
        if np.ndim(activations[layer_name]) != 3 or len(activations[layer_name]) != len(epochs):
            raise ValueError(f"activations[{layer_name!r}]: expected shape ({len(epochs)} epochs, n, units), "
                             f"got {np.shape(activations[layer_name])}")
        validate.finite(activations[layer_name], f"activations[{layer_name!r}]")
    grids = _layer_grids(options.pop("value_range"), names) if "value_range" in options else None
    index = np.arange(len(epochs)) if epoch_index is None else validate.integers(
        epoch_index, "epoch_index", minimum=0, maximum=len(epochs) - 1, min_length=1)
    kde = estimate is kde_information
    values = np.empty((4 if kde else 2, len(index), len(names)))
    bar = tqdm(total=len(index) * len(names), desc=f"{name} estimates", disable=not progress, delay=1.0, leave=False)
    for j, layer_name in enumerate(names):
        layer = activations[layer_name]
        layer_options = dict(options)
        if grids is not None:
            grid = grids[layer_name]
            if grid == "span":  # a layer constant over every epoch (a dead ReLU layer) has no span: one bin
                low, high = float(layer.min()), float(layer.max())
                grid = (low, high) if high > low else None
            layer_options["value_range"] = grid
        for i, e in enumerate(index):
            result = estimate(layer[e], y, **layer_options)
            values[:2, i, j] = _as_pair(result, name)
            if kde:
                values[2:, i, j] = result.i_xt_lower, result.i_ty_lower
            bar.update()
    bar.close()
    return InformationPlane(epochs=epochs[index], layers=names, i_xt=values[0], i_ty=values[1], estimator=name,
                            i_xt_lower=values[2] if kde else None, i_ty_lower=values[3] if kde else None)
