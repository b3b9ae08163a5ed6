"""Interactive explorers (ipywidgets) over results computed in the notebook."""

from __future__ import annotations

from collections.abc import Mapping

import ipywidgets as widgets
import matplotlib.pyplot as plt
import numpy as np

from ibcourse import estimators, plots
from ibcourse.ib import IBCurve


def beta_explorer(curve: IBCurve, *, h_x: float, i_xy: float) -> widgets.Widget:
    """A beta slider over a computed IB curve: redraws the encoder and marks the point on the curve.

    The slider steps through ``curve.betas`` (no new optimisation: every frame is
    a solution computed before), so it responds at once.
    """
    def show(index: int) -> None:
        fig, (left, right) = plt.subplots(1, 2, figsize=(11, 3.8))
        plots.ib_plane(left, curve, h_x=h_x, i_xy=i_xy)
        left.plot(curve.i_xt[index], curve.i_ty[index], "o", color="crimson", ms=10)
        plots.encoder_map(right, curve.encoders[index],
                          title=f"beta = {curve.betas[index]:.3g}: {curve.n_clusters[index]} clusters")
        plt.tight_layout()
        plt.show()

    options = [(f"{beta:.3g}", i) for i, beta in enumerate(curve.betas)]
    slider = widgets.SelectionSlider(options=options, value=len(curve.betas) // 2, description="beta",
                                     continuous_update=False)
    return widgets.interactive(show, index=slider)


def bins_explorer(activations: Mapping[str, np.ndarray], y, epochs, *,
                  value_range: tuple[float, float] | str | None | Mapping = (-1.0, 1.0), title: str = "",
                  h_y: float | None = None) -> widgets.Widget:
    """A slider over the number of bins per unit (2 to 10**6): re-estimates one network's plane and redraws it.

    ``activations`` maps layer names to arrays (epochs, n, units), as for
    ``estimators.information_plane``; each frame is a fresh binned estimate (about a
    second for 6 layers x 50 epochs x 4096 inputs) on ``value_range``: one grid for
    every layer, or a mapping from each layer name to its grid (e.g. (0, 1) for a
    softmax output), as ``information_plane`` takes it. ``h_y`` (bits), if given, marks H(Y).
    """
    def show(bins: int) -> None:
        plane = estimators.information_plane(activations, y, epochs, bins=bins, value_range=value_range,
                                             progress=False)
        fig, ax = plt.subplots(figsize=(6.5, 4.2))
        plots.information_plane(ax, plane, title=f"{title} {bins} bins per unit", h_y=h_y)
        plt.show()

    counts = [2, 4, 8, 16, 30, 64, 128, 300, 1000, 3000, 10_000, 30_000, 100_000, 1_000_000]
    slider = widgets.SelectionSlider(options=counts, value=30, description="bins", continuous_update=False)
    return widgets.interactive(show, bins=slider)
