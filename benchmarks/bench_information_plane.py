"""Benchmark: the binned information plane of a whole training run, vectorised against a per-sample loop.

Run with ``make bench``. The history has the shape of notebook 2's at paper scale:
100 recorded epochs x 6 layers (widths 10, 7, 5, 4, 3, 2) x 4096 inputs, tanh-like
activations that saturate as the epochs go by. ``ibcourse.estimators.information_plane``
estimates all of it; the baseline, written the way the original code's users ran it
(a Python loop over samples, a dictionary of bin vectors per layer and epoch), is timed
on every 10th epoch and scaled to the whole history. Both give the same numbers,
which the script checks.
"""

from __future__ import annotations

import time

import numpy as np

from ibcourse import data, estimators

WIDTHS = (10, 7, 5, 4, 3, 2)
EPOCHS = np.arange(100)


def synthetic_history(seed: int = 0) -> dict[str, np.ndarray]:
    """layer -> (100, 4096, units): fixed random projections of the inputs, sharpened over epochs."""
    rng = np.random.default_rng(seed)
    X, _ = data.szt_12bit()
    gain = np.geomspace(0.3, 30, len(EPOCHS))[:, None, None]
    return {f"layer{k}": np.tanh(gain * (X @ rng.normal(size=(12, w)) - 1.5)).astype(np.float32)
            for k, w in enumerate(WIDTHS, start=1)}


def loop_estimate(t: np.ndarray, y: np.ndarray, bins: int = 30) -> tuple[float, float]:
    """(I(X;T), I(T;Y)) in bits with a Python loop over the samples."""
    counts, joint = {}, {}
    for row, label in zip(t, y):
        key = tuple(min(max(int((v + 1) / (2 / bins)), 0), bins - 1) for v in row)
        counts[key] = counts.get(key, 0) + 1
        joint[key, label] = joint.get((key, label), 0) + 1

    def h(values):
        p = np.array(list(values)) / len(t)
        return float(-np.sum(p * np.log2(p)))

    h_y = h(np.bincount(y))
    return h(counts.values()), h(counts.values()) + h_y - h(joint.values())


def main() -> None:
    _, y = data.szt_12bit()
    history = synthetic_history()
    start = time.perf_counter()
    plane = estimators.information_plane(history, y, EPOCHS, bins=30)
    fast = time.perf_counter() - start
    sample = EPOCHS[::10]
    start = time.perf_counter()
    slow_values = [[loop_estimate(history[name][e], y) for name in history] for e in sample]
    slow = (time.perf_counter() - start) * len(EPOCHS) / len(sample)
    assert np.allclose(np.array(slow_values)[..., 0], plane.i_xt[sample], atol=1e-9)
    assert np.allclose(np.array(slow_values)[..., 1], plane.i_ty[sample], atol=1e-9)
    n = len(EPOCHS) * len(WIDTHS)
    print(f"binned plane, {len(EPOCHS)} epochs x {len(WIDTHS)} layers x 4096 inputs ({n} estimates)")
    print(f"  ibcourse.estimators.information_plane: {fast:6.2f} s")
    print(f"  per-sample loop (timed on {len(sample)} epochs, scaled): {slow:6.1f} s  ({slow / fast:.0f}x slower)")


if __name__ == "__main__":
    main()
