"""Interactive explorers (ipywidgets) over results computed in the notebook."""

from __future__ import annotations

import ipywidgets as widgets
import matplotlib.pyplot as plt

from ibcourse import plots
from ibcourse.ib import IBCurve


def beta_explorer(curve: IBCurve, *, h_x: float, i_xy: float) -> widgets.Widget:
    """A beta slider over a computed IB curve: redraws the encoder and marks the point on the curve.

    The slider steps through ``curve.betas`` (no new optimisation: every frame is
    a solution computed before), so it responds at once.
    """
    def show(index: int) -> None:
        fig, (left, right) = plt.subplots(1, 2, figsize=(10, 3.8))
        plots.ib_plane(left, curve, h_x=h_x, i_xy=i_xy)
        left.plot(curve.i_xt[index], curve.i_ty[index], "o", color="crimson", ms=10)
        plots.encoder_map(right, curve.encoders[index],
                          title=f"beta = {curve.betas[index]:.3g}: {curve.n_clusters[index]} clusters")
        plt.show()

    slider = widgets.IntSlider(value=len(curve.betas) // 2, min=0, max=len(curve.betas) - 1,
                               description="beta index", continuous_update=False)
    return widgets.interactive(show, index=slider)
