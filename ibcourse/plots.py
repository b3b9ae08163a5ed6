"""Figures the notebooks share. Each function draws on a given matplotlib Axes and returns it."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from matplotlib import colors, ticker, transforms
from matplotlib.lines import Line2D

from ibcourse.ib import IBCurve


def ib_plane(ax: plt.Axes, curve: IBCurve, *, h_x: float, i_xy: float, label: str = "IB curve", **style) -> plt.Axes:
    """The IB curve in the information plane: I(X;T) (bits, x axis) against I(T;Y) (bits, y axis).

    Dashed lines mark the limits I(X;T) <= H(X) = ``h_x`` and I(T;Y) <= I(X;Y) = ``i_xy``.
    """
    ax.plot(curve.i_xt, curve.i_ty, ".-", label=label, **style)
    ax.axhline(i_xy, color="grey", ls="--", lw=0.8, label="I(X;Y): the ceiling of I(T;Y)")
    ax.axvline(h_x, color="grey", ls=":", lw=0.8, label="H(X): the ceiling of I(X;T)")
    ax.set_xlabel("I(X;T) [bits]")
    ax.set_ylabel("I(T;Y) [bits]")
    return ax


def encoder_map(ax: plt.Axes, encoder: np.ndarray, *, title: str = "", colorbar: bool = True) -> plt.Axes:
    """Heat map of an encoder p(t|x), shape (|X|, |T|): inputs down, used clusters across.

    Colours run from 0 to 1 (probability), with a colour bar unless ``colorbar=False``;
    the cluster axis has integer ticks.
    """
    used = encoder.sum(axis=0) > 0
    image = ax.imshow(encoder[:, used], aspect="auto", cmap="viridis", vmin=0, vmax=1, interpolation="nearest")
    ax.xaxis.set_major_locator(ticker.MaxNLocator(integer=True))
    ax.set_xlabel("cluster t")
    ax.set_ylabel("input x")
    ax.set_title(title)
    if colorbar:
        ax.figure.colorbar(image, ax=ax, label="p(t|x)")
    return ax


def channel_map(ax: plt.Axes, pxy: np.ndarray, *, title: str = "p(y|x)") -> plt.Axes:
    """Heat map of the channel p(y|x) of a joint table ``pxy`` (|X|, |Y|): inputs across, labels up, colour bar."""
    px = pxy.sum(axis=1, keepdims=True)
    image = ax.imshow(np.divide(pxy, px, out=np.zeros_like(pxy), where=px > 0).T, aspect="auto", cmap="magma",
                      vmin=0, vmax=1, origin="lower", interpolation="nearest")
    ax.yaxis.set_major_locator(ticker.MaxNLocator(integer=True))
    ax.set_xlabel("input x")
    ax.set_ylabel("label y")
    ax.set_title(title)
    ax.figure.colorbar(image, ax=ax, label="p(y|x)")
    return ax


def _epoch_norm(epochs) -> colors.Normalize:
    """Colour scale for epochs: logarithmic above 1, linear from 0 to 1 (so epoch 0 has a colour)."""
    return colors.SymLogNorm(linthresh=1, vmin=0, vmax=max(int(np.max(epochs)), 1))


#: One marker per layer, input side first, so that trajectories stay apart without text labels.
LAYER_MARKERS = "osD^vP*Xh<>p"

_AXIS_LABELS = {
    "binned": ("I(X;T) of the binned layer [bits]", "I(T;Y) of the binned layer [bits]"),
    "exact": ("I(X;T) = H(T), exact [bits]", "I(T;Y), exact [bits]"),
    "kde": ("I(X;T), KDE upper bound [bits]", "I(T;Y), KDE estimate [bits]"),
}


def axis_labels(plane) -> tuple[str, str]:
    """The axis labels of I(X;T) and I(T;Y) for a plane's estimator (which bound or estimate they are)."""
    return _AXIS_LABELS.get(plane.estimator, (f"I(X;T), {plane.estimator} [bits]", f"I(T;Y), {plane.estimator} [bits]"))


def _below(ax: plt.Axes) -> dict:
    """Legend placement under the axes, clear of its tick labels and x label whatever the axes' height."""
    return {"loc": "upper center", "bbox_to_anchor": (0.5, 0.0), "frameon": False, "fontsize": 9,
            "bbox_transform": transforms.offset_copy(ax.transAxes, fig=ax.figure, y=-33, units="points")}


def information_plane(ax: plt.Axes, plane, *, title: str = "", colorbar: bool = True, cmap: str = "viridis",
                      h_y: float | None = None) -> plt.Axes:
    """The information plane of one network: I(X;T) across, I(T;Y) up, both in bits.

    Each layer's trajectory is drawn with its own marker (the legend sits below the
    axes, where it hides no point), coloured by epoch (colour bar on a log scale); its
    last epoch is outlined in black, and thin lines join the layers of one epoch. ``plane`` is an
    ``estimators.InformationPlane``; the axis labels say which estimator or bound it
    holds. ``h_y`` (bits), if given, is marked as the ceiling H(Y) of I(T;Y).
    """
    if len(plane.layers) > len(LAYER_MARKERS):
        raise ValueError(f"at most {len(LAYER_MARKERS)} layers can be told apart, got {len(plane.layers)}")
    norm = _epoch_norm(plane.epochs)
    palette = plt.get_cmap(cmap)
    for e, epoch in enumerate(plane.epochs):
        ax.plot(plane.i_xt[e], plane.i_ty[e], "-", color=palette(norm(epoch)), lw=0.5, alpha=0.4)
    handles = []
    for j, (name, marker) in enumerate(zip(plane.layers, LAYER_MARKERS)):
        points = ax.scatter(plane.i_xt[:, j], plane.i_ty[:, j], c=plane.epochs, cmap=cmap, norm=norm, s=16,
                            marker=marker, zorder=3)
        ax.scatter(plane.i_xt[-1, j], plane.i_ty[-1, j], marker=marker, s=60, facecolors="none", edgecolors="black",
                   linewidths=1.0, zorder=4)
        handles.append(Line2D([], [], ls="", marker=marker, color="grey", label=name))
    if h_y is not None:
        ax.axhline(h_y, color="grey", ls="--", lw=0.8)
        handles.append(Line2D([], [], color="grey", ls="--", lw=0.8, label="H(Y)"))
        low, high = ax.get_ylim()
        ax.set_ylim(low, max(high, h_y + 0.05 * (h_y - low)))  # the H(Y) line inside the frame, not on it
    ax.legend(handles=handles, **_below(ax), ncol=min(len(handles), 4), title="layer (its last epoch outlined in black)",
              title_fontsize=9, handletextpad=0.3, columnspacing=1.2)
    if colorbar:
        ax.figure.colorbar(points, ax=ax, label="epoch")
    x_label, y_label = axis_labels(plane)
    ax.set_xlabel(x_label)
    ax.set_ylabel(y_label)
    ax.set_title(title)
    return ax


def information_vs_epoch(axes, plane, *, title: str = "") -> None:
    """I(X;T) (``axes[0]``) and I(T;Y) (``axes[1]``) of each layer against epoch, epochs on a log scale.

    For a KDE plane (``plane.i_xt_lower`` set), I(X;T) of each layer is a shaded band
    from the lower (dashed) to the upper bound (solid): the true value for the noisy
    layer lies inside it. Its I(T;Y) is drawn from the upper bounds (solid) and from
    the lower bounds (dashed): two estimates, not a bracket. The legends sit below the
    axes, where they hide no curve.
    """
    x_label, y_label = axis_labels(plane)
    if plane.i_xt_lower is not None:
        x_label, y_label = "I(X;T), KDE bounds [bits]", "I(T;Y), KDE estimates [bits]"
    for quantity, lower, ax, label in ((plane.i_xt, plane.i_xt_lower, axes[0], x_label),
                                       (plane.i_ty, plane.i_ty_lower, axes[1], y_label)):
        for j, (name, marker) in enumerate(zip(plane.layers, LAYER_MARKERS)):
            line, = ax.plot(plane.epochs, quantity[:, j], "-", marker=marker, ms=3, label=name)
            if lower is not None:
                ax.plot(plane.epochs, lower[:, j], "--", marker=marker, ms=3, color=line.get_color())
                if quantity is plane.i_xt:
                    ax.fill_between(plane.epochs, lower[:, j], quantity[:, j], color=line.get_color(), alpha=0.15)
        ax.set_xscale("symlog", linthresh=1)
        ax.set_xlabel("epoch")
        ax.set_ylabel(label)
        ax.set_title(title)
    if plane.i_xt_lower is None:
        for ax in axes[:2]:
            ax.legend(**_below(ax), ncol=min(len(plane.layers), 6))
    else:
        for ax, styles in ((axes[0], ("upper bound", "lower bound")), (axes[1], ("from upper bounds", "from lower bounds"))):
            handles, _ = ax.get_legend_handles_labels()
            handles += [Line2D([], [], color="black", ls=ls, label=text) for ls, text in zip(("-", "--"), styles)]
            ax.legend(handles=handles, **_below(ax), ncol=4)


def information_heatmap(ax: plt.Axes, plane, *, title: str = "", vmin: float | None = None,
                        vmax: float | None = None, cmap: str = "viridis", colorbar: bool = True):
    """I(X;T) of every layer (rows, input side on top) against epoch (across, log scale), as a heat map.

    Layers with equal values get equal rows, where the lines of ``information_vs_epoch``
    would hide each other. Each recording fills the span from halfway to the previous
    one to halfway to the next. The colour bar (bits) names the estimate. Returns the
    mesh, for a colour bar shared by several panels.
    """
    epochs = np.asarray(plane.epochs, dtype=float)
    if len(epochs) < 2:
        raise ValueError(f"a heat map against epoch needs at least 2 recordings, got {len(epochs)}")
    middles = (epochs[1:] + epochs[:-1]) / 2
    edges = np.r_[epochs[0] - (middles[0] - epochs[0]), middles, epochs[-1] + (epochs[-1] - middles[-1])]
    edges[0] = max(edges[0], 0.0) if epochs[0] >= 0 else edges[0]
    mesh = ax.pcolormesh(edges, np.arange(len(plane.layers) + 1), plane.i_xt.T, cmap=cmap, vmin=vmin, vmax=vmax)
    ax.set_xscale("symlog", linthresh=1)
    ax.set_xlim(edges[0], edges[-1])
    ax.set_yticks(np.arange(len(plane.layers)) + 0.5, plane.layers)
    ax.set_ylim(len(plane.layers), 0)  # input side on top (set, not toggled: axes may share y)
    ax.set_ylabel("layer")
    ax.set_xlabel("epoch")
    ax.set_title(title)
    if colorbar:
        ax.figure.colorbar(mesh, ax=ax, label=axis_labels(plane)[0])
    return mesh


def latent_ellipses(ax: plt.Axes, mean: np.ndarray, std: np.ndarray, labels: np.ndarray, *, title: str = "",
                    n_std: float = 1.0) -> plt.Axes:
    """Posterior means of a 2-D bottleneck with their uncertainty, coloured by class.

    ``mean`` and ``std`` have shape (n, 2) (a diagonal Gaussian per input); each input
    is drawn as an ellipse of half-axes ``n_std`` x std around its mean, and ``labels``
    (n,) pick the colours. The dashed circle is one standard deviation of the prior N(0, I),
    the unit of both axes (z is dimensionless: its coordinates are in prior standard deviations).
    """
    from matplotlib.collections import EllipseCollection

    mean, std, labels = np.asarray(mean), np.asarray(std), np.asarray(labels)
    if mean.ndim != 2 or mean.shape[1] != 2 or std.shape != mean.shape or labels.shape != (len(mean),):
        raise ValueError(f"expected mean and std of shape (n, 2) and labels (n,), got {mean.shape}, {std.shape}, "
                         f"{labels.shape}")
    palette = plt.get_cmap("tab10")
    ellipses = EllipseCollection(2 * n_std * std[:, 0], 2 * n_std * std[:, 1], np.zeros(len(mean)), units="xy",
                                 offsets=mean, offset_transform=ax.transData, facecolors=palette(labels % 10),
                                 alpha=0.15, edgecolors="none")
    ax.add_collection(ellipses)
    ax.scatter(mean[:, 0], mean[:, 1], c=palette(labels % 10), s=6)
    ax.add_patch(plt.Circle((0, 0), 1.0, fill=False, ls="--", color="grey"))
    for label in np.unique(labels):
        ax.scatter([], [], color=palette(label % 10), s=12, label=str(label))
    ax.legend(title="class", fontsize=7, title_fontsize=7, loc="upper left", bbox_to_anchor=(1.0, 1.0), frameon=False)
    extent = float(np.max(np.abs(mean) + n_std * std)) * 1.05
    ax.set_xlim(-extent, extent)
    ax.set_ylim(-extent, extent)
    ax.set_aspect("equal")
    ax.set_xlabel("z1 [prior standard deviations]")
    ax.set_ylabel("z2 [prior standard deviations]")
    ax.set_title(title)
    return ax


def mean_and_spread(ax: plt.Axes, x, values, *, label: str, **style) -> plt.Axes:
    """The mean over seeds of ``values`` (shape (len(x), seeds)) against ``x``, with a bar of one standard deviation.

    The line joins the means; the bars show the seed-to-seed spread (sample standard
    deviation; none with a single seed). Units are those of ``values``. ``style`` goes to
    ``errorbar`` (a marker other than the default "o", a colour, ...).
    """
    x, values = np.asarray(x, dtype=float), np.asarray(values, dtype=float)
    if values.ndim != 2 or values.shape[0] != len(x):
        raise ValueError(f"values must have shape (len(x), seeds) = ({len(x)}, seeds), got {values.shape}")
    spread = values.std(axis=1, ddof=1) if values.shape[1] > 1 else None
    ax.errorbar(x, values.mean(axis=1), yerr=spread, label=label, **{"marker": "o", "ms": 4, "capsize": 3, **style})
    return ax


def vacuous_beyond(ax: plt.Axes, limit: float, *, axis: str = "x", label: str = "", color: str = "grey") -> plt.Axes:
    """Mark where an upper bound is vacuous: a dashed line at ``limit`` (the axis' units) and a shade beyond it.

    With X the n training images, I(Z;X) <= H(X) = log2 n, so a variational bound above
    ``limit`` = log2 n says nothing; a bound on the gap of a 0-1 loss says nothing above
    ``limit`` = 1. ``axis`` is the axis that carries the bound ("x" or "y").
    Call it after drawing the data: the shade runs from ``limit`` to the end of the axis.
    """
    if axis not in ("x", "y"):
        raise ValueError(f"axis must be 'x' or 'y', got {axis!r}")
    if axis == "x":
        line, span, get_limits, set_limits = ax.axvline, ax.axvspan, ax.get_xlim, ax.set_xlim
    else:
        line, span, get_limits, set_limits = ax.axhline, ax.axhspan, ax.get_ylim, ax.set_ylim
    low, high = get_limits()
    high = max(high, 1.3 * limit)
    line(limit, color=color, ls="--", lw=1.2, label=label or None)
    span(limit, high, color=color, alpha=0.1, lw=0)
    set_limits(low, high)
    return ax


def rate_map(ax: plt.Axes, betas, rates, *, title: str = "") -> plt.Axes:
    """Heat map of the rate of each latent dimension (bits, log colour scale, with a colour bar) across betas.

    ``rates`` has shape (len(betas), K): the per-dimension rate E_x KL of each model. Each
    column shows one beta, its dimensions sorted from the most to the least bits.
    """
    betas, rates = np.asarray(betas, dtype=float), np.asarray(rates, dtype=float)
    if rates.ndim != 2 or rates.shape[0] != len(betas):
        raise ValueError(f"rates must have shape (len(betas), K) = ({len(betas)}, K), got {rates.shape}")
    if np.any(rates <= 0):
        raise ValueError("rates must be positive for the log colour scale")
    ordered = -np.sort(-rates, axis=1).T  # (K, betas), largest first
    image = ax.imshow(ordered, aspect="auto", cmap="magma", norm=colors.LogNorm(), interpolation="nearest",
                      origin="upper")
    ax.figure.colorbar(image, ax=ax, label="rate of the dimension  E_x KL_k [bits]")
    ax.set_xticks(range(len(betas)), [f"{b:.0e}" for b in betas], rotation=60)
    ax.set_yticks(range(0, rates.shape[1], max(1, rates.shape[1] // 8)))
    ax.set_xlabel("beta")
    ax.set_ylabel("latent dimension, sorted by rate")
    ax.set_title(title)
    return ax


def rate_distortion(ax: plt.Axes, betas, curves: dict, *, title: str = "", zoom_on=None,
                    zoom_box: tuple[float, float, float, float] = (0.5, 0.45, 0.45, 0.38)) -> plt.Axes:
    """beta-VAE points in the rate-distortion plane: rate (bits, x axis) against distortion (bits per image, y).

    ``curves`` maps a label (e.g. "training images") to a pair ``(rates, distortions)`` of
    arrays of shape (len(betas),). Each curve gets its own marker and line style; each
    beta its colour. Marker sizes fall as beta grows and larger marks are drawn first, so
    betas whose points nearly coincide show as concentric marks. ``zoom_on``, a list of
    some of the betas (e.g. the collapsed ones, which sit on top of each other), draws
    their points again, magnified, in an inset at ``zoom_box`` (axes fractions: x, y,
    width, height) with its own axes in the same units.
    """
    betas = np.asarray(betas, dtype=float)
    if betas.ndim != 1 or len(betas) < 1:
        raise ValueError(f"betas must be a non-empty 1-D array, got shape {betas.shape}")
    if not isinstance(curves, dict) or not curves or len(curves) > 4:
        raise TypeError("curves must be a dict of 1 to 4 entries label -> (rates, distortions)")
    chosen = None if zoom_on is None else np.isin(betas, np.asarray(zoom_on, dtype=float))
    if chosen is not None and not chosen.any():
        raise ValueError(f"zoom_on must name some of the betas {betas.tolist()}, got {zoom_on!r}")
    palette = plt.get_cmap("viridis")(np.linspace(0, 0.9, len(betas)))
    sizes = np.geomspace(160, 25, len(betas)) if len(betas) > 1 else np.array([60.0])
    order = np.argsort(-sizes, kind="stable")  # largest first, smallest on top
    inset = None if chosen is None else ax.inset_axes(zoom_box)
    for (label, (rates, distortions)), marker, style in zip(curves.items(), "osD^", ("-", "--", ":", "-.")):
        rates, distortions = np.asarray(rates, dtype=float), np.asarray(distortions, dtype=float)
        if rates.shape != betas.shape or distortions.shape != betas.shape:
            raise ValueError(f"curve {label!r}: rates and distortions must have shape {betas.shape}, got "
                             f"{rates.shape} and {distortions.shape}")
        ax.plot(rates, distortions, style, color="grey", lw=1, zorder=2)
        ax.scatter(rates[order], distortions[order], c=palette[order], s=sizes[order], marker=marker,
                   edgecolors="white", linewidths=0.8, zorder=3)
        ax.plot([], [], style, marker=marker, color="grey", lw=1, label=label)
        if inset is not None:
            inset.plot(rates[chosen], distortions[chosen], style, color="grey", lw=1, zorder=2)
            inset.scatter(rates[chosen], distortions[chosen], c=palette[chosen], s=60, marker=marker, zorder=3)
    for colour, size, beta in zip(palette, sizes, betas):
        ax.scatter([], [], color=colour, s=size, label=f"beta = {beta:g}")
    if inset is not None:
        inset.margins(0.25)
        inset.tick_params(labelsize=8)
        inset.set_xlabel("R [bits]", fontsize=8)
        inset.set_ylabel("D [bits per image]", fontsize=8)
        inset.set_title("zoom: beta = " + ", ".join(f"{b:g}" for b in betas[chosen]), fontsize=9)
        (x0, x1), (y0, y1) = inset.get_xlim(), inset.get_ylim()
        ax.indicate_inset((x0, y0, x1 - x0, y1 - y0), edgecolor="grey")  # the zoomed box, without connectors
    ax.set_xlabel("rate  E KL, upper bound on I(Z;X) [bits]")
    ax.set_ylabel("distortion  -log2 q(x|z) [bits per image]")
    ax.set_title(title)
    return ax


def factor_information(ax: plt.Axes, values, factor_names, *, title: str = "", vmax: float | None = None,
                       colorbar: bool = True) -> plt.Axes:
    """Heat map of I(Z_k; F_j) in bits: latent dimensions down, known factors across, values printed in the cells.

    ``values`` has shape (K, len(factor_names)) (e.g. ``concepts.latent_factor_information``);
    the colour scale runs from 0 to ``vmax`` bits (default: the largest value), with a colour bar.
    """
    values = np.asarray(values, dtype=float)
    if values.ndim != 2 or values.shape[1] != len(factor_names):
        raise ValueError(f"values must have shape (K, {len(factor_names)}), got {values.shape}")
    top = float(values.max()) if vmax is None else vmax
    image = ax.imshow(values, cmap="viridis", vmin=0, vmax=top, aspect="auto", interpolation="nearest")
    for (k, j), v in np.ndenumerate(values):
        ax.text(j, k, f"{v:.2f}", ha="center", va="center", fontsize=8, color="white" if v < 0.6 * top else "black")
    ax.set_xticks(range(len(factor_names)), factor_names, rotation=20)
    ax.set_yticks(range(values.shape[0]), [f"z{k + 1}" for k in range(values.shape[0])])
    ax.set_xlabel("known factor")
    ax.set_ylabel("latent dimension")
    ax.set_title(title)
    if colorbar:
        ax.figure.colorbar(image, ax=ax, label="I(z_k; factor) [bits]")
    return ax


def image_grid(ax: plt.Axes, images, *, row_labels=(), column_labels=(), title: str = "") -> plt.Axes:
    """A grid of grey images (rows, columns, height, width) in [0, 1], white gaps between them, one axes.

    ``row_labels`` and ``column_labels`` label the rows (left) and columns (bottom).
    """
    images = np.asarray(images, dtype=float)
    if images.ndim != 4:
        raise ValueError(f"images must have shape (rows, columns, height, width), got {images.shape}")
    rows, columns, h, w = images.shape
    canvas = np.full((rows * (h + 1) - 1, columns * (w + 1) - 1), np.nan)
    for r in range(rows):
        for c in range(columns):
            canvas[r * (h + 1):r * (h + 1) + h, c * (w + 1):c * (w + 1) + w] = images[r, c]
    ax.imshow(canvas, cmap="gray", vmin=0, vmax=1, interpolation="nearest")
    ax.set_yticks([r * (h + 1) + h / 2 - 0.5 for r in range(rows)] if row_labels else [], list(row_labels))
    ax.set_xticks([c * (w + 1) + w / 2 - 0.5 for c in range(columns)] if column_labels else [], list(column_labels))
    for side in ax.spines.values():
        side.set_visible(False)
    ax.set_title(title)
    return ax


def against_truth(ax: plt.Axes, truth, estimates: dict, *, caps: dict | None = None, title: str = "",
                  ylabel: str = "estimate of I(X;Y) [bits]") -> plt.Axes:
    """Estimates of a mutual information against its true value (bits, both axes), with the line y = x.

    ``estimates`` maps a label to an array of shape (len(truth), repeats): one row per true
    value, one column per seed or batch; each is drawn as its mean with a bar of one
    standard deviation (``mean_and_spread``). ``caps`` maps a label (e.g. "log2 64: the
    InfoNCE ceiling") to a value in bits, drawn as a horizontal dotted line.
    """
    truth = np.asarray(truth, dtype=float)
    if truth.ndim != 1 or len(truth) < 1:
        raise ValueError(f"truth must be a non-empty 1-D array of bits, got shape {truth.shape}")
    if not isinstance(estimates, dict) or not estimates:
        raise TypeError("estimates must be a non-empty dict label -> array (len(truth), repeats)")
    ax.plot(truth, truth, color="black", lw=1, label="the true value")
    for label, values in estimates.items():
        mean_and_spread(ax, truth, values, label=label)
    for (label, value), colour in zip((caps or {}).items(), ("grey", "tab:brown", "tab:pink")):
        ax.axhline(value, color=colour, ls=":", lw=1.2, label=label)
    ax.set_xlabel("true I(X;Y) [bits]")
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    return ax


def critic_curves(ax: plt.Axes, truth, estimates, *, cap: float | None = None, frozen: dict | None = None,
                  ylim: tuple[float, float] | None = None, title: str = "") -> plt.Axes:
    """A critic's bound on every training batch against the step, with the true information (bits).

    ``truth`` (steps,) is the staircase of true values; ``estimates`` (steps, members) one
    thin line per member (e.g. per seed). ``frozen`` maps a step to an array of bounds on
    fresh batches with the critic frozen there, drawn as a marker at its mean with a bar of
    one standard deviation. ``cap`` draws a dotted line (e.g. log2 of the batch size).
    ``ylim`` clips the axis; values beyond it are left out of view, and the title says so
    when any is.
    """
    truth, estimates = np.asarray(truth, dtype=float), np.asarray(estimates, dtype=float)
    if estimates.ndim != 2 or len(estimates) != len(truth):
        raise ValueError(f"estimates must have shape (steps, members) = ({len(truth)}, members), got {estimates.shape}")
    steps = np.arange(1, len(truth) + 1)
    for m, column in enumerate(estimates.T):
        ax.plot(steps, column, lw=0.6, alpha=0.6, color=f"C{m}", label="bound on each training batch" if m == 0 else None)
    ax.plot(steps, truth, color="black", lw=1.5, label="true I(X;Y)")
    if cap is not None:
        ax.axhline(cap, color="grey", ls=":", lw=1.2, label=f"log2 batch = {cap:g} bits")
    for k, (step, values) in enumerate(sorted((frozen or {}).items())):
        values = np.asarray(values, dtype=float)
        ax.errorbar(step + 1, values.mean(), yerr=values.std(), fmt="s", color="black", ms=4, capsize=3,
                    label="frozen critic, fresh batches" if k == 0 else None, zorder=4)
    clipped = False
    if ylim is not None:
        ax.set_ylim(*ylim)
        clipped = bool(np.any((estimates < ylim[0]) | (estimates > ylim[1])))
    ax.set_xlabel("training step")
    ax.set_ylabel("lower-bound estimate [bits]")
    ax.set_title(title + (" (some values off the axis)" if clipped else ""), fontsize=10)
    return ax
