"""What attention weights say, in bits: their entropy and the mass they put on chosen positions.

A head's attention row for one query is a probability distribution over the L
positions it can attend to. Its entropy (bits) measures how spread that one
distribution is: log2 L when uniform, 0 when all weight sits on one position. It is
*not* a mutual information: it does not say how much the head's output carries about
the input (I(X;T)), nor about the label; a head that always attends to position 3,
whatever the input, has entropy 0 and passes on everything position 3 holds.

``attention_entropy``  the entropy of each attention row, in bits
``relevant_mass``      the weight each row puts on a set of positions (e.g. the ones the label depends on)
"""

from __future__ import annotations

import numpy as np
import torch

from ibcourse import validate


def _rows(weights, name: str = "weights") -> torch.Tensor:
    """``weights`` as a float64 tensor of rows over the last axis, checked to be distributions."""
    w = validate.tensor(weights, name)
    if w.dtype == torch.bool or w.is_complex():
        raise TypeError(f"{name} must hold real numbers, got dtype {w.dtype}")
    w = w.detach().to(torch.float64)
    if w.ndim == 0 or w.shape[-1] == 0:
        raise ValueError(f"{name} must have a last axis of positions, got shape {tuple(w.shape)}")
    validate.finite(w, name)
    if bool((w < 0).any()):
        raise ValueError(f"{name} holds negative weights; expected attention rows (probabilities)")
    sums = w.sum(-1)
    if not bool(torch.allclose(sums, torch.ones_like(sums), atol=1e-4 * max(1.0, w.shape[-1] / 100))):
        raise ValueError(f"{name}: every row (last axis) must sum to 1, found sums from "
                         f"{float(sums.min()):.6g} to {float(sums.max()):.6g}")
    return w


def attention_entropy(weights) -> np.ndarray:
    """The entropy of each attention row, in bits: H = -sum_j w_j log2 w_j (0 log 0 = 0).

    Parameters
    ----------
    weights : tensor or array, shape (..., L)
        Attention weights; each row over the last axis (the L positions attended to) is a
        distribution: non-negative, summing to 1.

    Returns
    -------
    numpy array, shape (...): between 0 (one position) and log2 L (uniform), bits.
    """
    w = _rows(weights)
    safe = torch.where(w > 0, w, torch.ones_like(w))
    return (-(w * torch.log2(safe)).sum(-1)).numpy()


def relevant_mass(weights, relevant) -> np.ndarray:
    """The attention weight each row puts on the relevant positions: sum_j w_j [j relevant].

    Parameters
    ----------
    weights : tensor or array, shape (..., L)
        Attention rows (distributions over the last axis).
    relevant : bool tensor or array, broadcastable to ``weights``
        True at the positions that matter (e.g. shape (batch, 1, L) against weights of
        shape (batch, heads, L)).

    Returns
    -------
    numpy array, shape (...): in [0, 1]. Uniform attention gives (number relevant) / L.
    """
    w = _rows(weights)
    r = validate.tensor(relevant, "relevant")
    if r.dtype != torch.bool:
        raise TypeError(f"relevant must be a bool mask, got dtype {r.dtype}")
    validate.broadcastable(weights=w, relevant=r)
    if r.ndim > w.ndim or torch.broadcast_shapes(w.shape, r.shape) != w.shape:
        raise ValueError(f"relevant {tuple(r.shape)} must broadcast to the shape of weights {tuple(w.shape)}")
    return (w * r.to(w.device)).sum(-1).numpy()
