"""Figures the notebooks share. Each function draws on a given matplotlib Axes and returns it."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from ibcourse.ib import IBCurve


def ib_plane(ax: plt.Axes, curve: IBCurve, *, h_x: float, i_xy: float, label: str = "IB curve", **style) -> plt.Axes:
    """The IB curve in the information plane: I(X;T) (bits, x axis) against I(T;Y) (bits, y axis).

    Dashed lines mark the limits I(X;T) <= H(X) = ``h_x`` and I(T;Y) <= I(X;Y) = ``i_xy``.
    """
    ax.plot(curve.i_xt, curve.i_ty, ".-", label=label, **style)
    ax.axhline(i_xy, color="grey", ls="--", lw=0.8)
    ax.axvline(h_x, color="grey", ls=":", lw=0.8)
    ax.set_xlabel("I(X;T) [bits]")
    ax.set_ylabel("I(T;Y) [bits]")
    return ax


def encoder_map(ax: plt.Axes, encoder: np.ndarray, *, title: str = "") -> plt.Axes:
    """Heat map of an encoder p(t|x), shape (|X|, |T|): inputs down, used clusters across."""
    used = encoder.sum(axis=0) > 0
    ax.imshow(encoder[:, used], aspect="auto", cmap="viridis", vmin=0, vmax=1, interpolation="nearest")
    ax.set_xlabel("cluster t")
    ax.set_ylabel("input x")
    ax.set_title(title)
    return ax
