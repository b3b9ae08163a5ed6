"""Estimators of I(X;T) and I(T;Y) from one layer's activations, as used on the information plane.

Both take ``t``, an array of shape (n, units) with one row per input, and integer
labels ``y`` of shape (n,). The inputs are taken to be equiprobable (each row has
probability 1/n) and the layer deterministic, as in the 12-bit task of Shwartz-Ziv
& Tishby, where every pattern occurs once. All results are in bits.

``binned_information``  bin every unit, treat the binned layer as one discrete symbol
``kde_information``     add Gaussian noise to the layer; pairwise-distance bounds
                        (Kolchinsky & Tracey 2017, as used by Saxe et al. 2018)
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import torch

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
        For a whole training run, pass the min and max over all epochs, as the
        original code did for ReLU, so that every epoch is binned on one grid.

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
    symbols = np.unique(_symbols(index, bins), return_inverse=True)[1].ravel()
    labels = np.unique(y, return_inverse=True)[1].ravel()
    n_labels = int(labels.max()) + 1
    n = len(labels)
    h_t = info.entropy(np.bincount(symbols) / n)
    h_y = info.entropy(np.bincount(labels) / n)
    h_ty = info.entropy(np.bincount(symbols * n_labels + labels) / n)
    return InformationEstimate(i_xt=h_t + 0.0, i_ty=max(h_t + h_y - h_ty, 0.0))


def _class_log_mean_kernels(h: torch.Tensor, labels: torch.Tensor, scale: float, chunk: int) -> torch.Tensor:
    """Entry (i, c): log sum_{j in class c} exp(-||h_i - h_j||^2 / scale), shape (n, classes).

    ``h`` (n, units) must be sorted by ``labels`` so that each class is one block of columns.
    """
    bounds = torch.cumsum(torch.bincount(labels), 0).tolist()
    blocks = list(zip([0] + bounds[:-1], bounds))
    rows = []
    for start in range(0, h.shape[0], chunk):
        logk = torch.cdist(h[start:start + chunk], h).square_().div_(-scale)
        rows.append(torch.stack([torch.logsumexp(logk[:, a:b], dim=1) for a, b in blocks], dim=1))
    return torch.cat(rows)


def kde_information(t, y, *, noise_var: float = 0.1, chunk: int = 1024) -> KDEEstimate:
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
    used for both terms (Saxe et al. 2018, who used noise_var = 0.1).

    Parameters
    ----------
    t : array, shape (n, units)
        Activations, one row per equiprobable input.
    y : int array, shape (n,)
        Class labels.
    noise_var : float
        Variance of the added noise (> 0), in squared activation units.
    chunk : int
        Rows of the n x n distance matrix computed at a time (memory 8 * chunk * n bytes).

    Returns
    -------
    KDEEstimate
        Upper-bound estimates in ``i_xt``, ``i_ty``; lower-bound ones in
        ``i_xt_lower``, ``i_ty_lower``; all in [0, log2 n] bits.
    """
    t, y = _check_layer(t, y)
    noise_var = validate.number(noise_var, "noise_var", low=0, low_open=True)
    chunk = validate.count(chunk, "chunk")
    labels = np.unique(y, return_inverse=True)[1].ravel()
    order = np.argsort(labels, kind="stable")
    h = torch.as_tensor(np.asarray(t, dtype=np.float64)[order])
    labels = torch.as_tensor(labels[order])
    counts = torch.bincount(labels).to(h.dtype)
    n = float(len(labels))
    results = []
    for scale in (2 * noise_var, 8 * noise_var):
        per_class = _class_log_mean_kernels(h, labels, scale, chunk)  # (n, classes), log sums
        h_t = -(torch.logsumexp(per_class, dim=1) - np.log(n)).mean()  # nats, minus the Gaussian part
        own = per_class.gather(1, labels[:, None]).ravel() - torch.log(counts[labels])
        h_t_given_y = -own.mean()  # sum_c p(c) H(T|Y=c), p(c) = n_c / n
        results.append((float(h_t) / _LN2, max(float(h_t - h_t_given_y) / _LN2, 0.0)))
    (upper_xt, upper_ty), (lower_xt, lower_ty) = results
    return KDEEstimate(i_xt=upper_xt, i_ty=upper_ty, i_xt_lower=lower_xt, i_ty_lower=lower_ty)


@dataclass(frozen=True)
class InformationPlane:
    """Estimates for every recorded epoch and layer: ``i_xt``, ``i_ty`` of shape (epochs, layers), bits."""

    epochs: np.ndarray
    layers: tuple[str, ...]
    i_xt: np.ndarray
    i_ty: np.ndarray

    def compression(self) -> np.ndarray:
        """Per layer, shape (layers,): the peak of I(X;T) over the epochs minus its last value, bits."""
        return self.i_xt.max(axis=0) - self.i_xt[-1]


def information_plane(activations: Mapping[str, np.ndarray], y, epochs, *, estimator: str = "binned",
                      epoch_index: Sequence[int] | None = None, **options) -> InformationPlane:
    """Estimate I(X;T) and I(T;Y) of every layer at every recorded epoch.

    Parameters
    ----------
    activations : mapping of layer name -> array, shape (epochs, n, units)
        One network's recorded activations, input-side layer first.
    y : int array, shape (n,)
        Class labels.
    epochs : array of int, shape (epochs,)
        The epoch of each recording.
    estimator : "binned" or "kde"
        ``binned_information`` or ``kde_information``.
    epoch_index : sequence of int, optional
        Estimate only these recordings (positions in ``epochs``), e.g. for the slow KDE.
    **options
        Passed to the estimator. For "binned", ``value_range="span"`` bins each layer
        between its min and max over all recorded epochs (the original code's choice
        for ReLU), so that every epoch of a layer shares one grid.

    Returns
    -------
    InformationPlane
    """
    if estimator not in ("binned", "kde"):
        raise ValueError(f"estimator must be 'binned' or 'kde', got {estimator!r}")
    if isinstance(options.get("value_range"), str) and (options["value_range"] != "span" or estimator != "binned"):
        raise ValueError(f"value_range={options['value_range']!r}: the one named grid is 'span', for estimator='binned'")
    if not isinstance(activations, Mapping):
        raise TypeError(f"activations must be a mapping of layer name -> array, got {type(activations).__name__}")
    epochs = validate.integers(epochs, "epochs")
    names = tuple(activations)
    if not names:
        raise ValueError("activations is empty: give at least one layer")
    activations = {name: validate.array(activations[name], f"activations[{name!r}]") for name in names}
    for name in names:
        if np.ndim(activations[name]) != 3 or len(activations[name]) != len(epochs):
            raise ValueError(f"activations[{name!r}]: expected shape ({len(epochs)} epochs, n, units), "
                             f"got {np.shape(activations[name])}")
        validate.finite(activations[name], f"activations[{name!r}]")
    index = np.arange(len(epochs)) if epoch_index is None else validate.integers(
        epoch_index, "epoch_index", minimum=0, maximum=len(epochs) - 1, min_length=1)
    i_xt = np.empty((len(index), len(names)))
    i_ty = np.empty_like(i_xt)
    estimate = binned_information if estimator == "binned" else kde_information
    for j, name in enumerate(names):
        layer = activations[name]
        layer_options = dict(options)
        if estimator == "binned" and layer_options.get("value_range") == "span":
            layer_options["value_range"] = (float(layer.min()), float(layer.max()))
        for i, e in enumerate(index):
            result = estimate(layer[e], y, **layer_options)
            i_xt[i, j], i_ty[i, j] = result.i_xt, result.i_ty
    return InformationPlane(epochs=epochs[index], layers=names, i_xt=i_xt, i_ty=i_ty)
