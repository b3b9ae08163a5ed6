"""Benchmark: ibcourse.ib.ib_curve against a naive first attempt and against embo 1.1.0.

Run with ``make bench`` (installs embo, which is not a course dependency). All three
solve the IB on the same joint at the same 20 betas, in one process, one after the
other; the script prints wall times, ratios, and the largest I(T;Y) each reaches
against I(X;Y). embo's beta is the standard beta times ln 2 (it writes its KL in bits
inside a natural exponential), so it is given ``beta * ln 2``.
"""

from __future__ import annotations

import time

import numpy as np

from ibcourse import ib, info

PXY = np.random.default_rng(1).dirichlet(np.ones(2560)).reshape(256, 10)
BETAS = np.geomspace(0.5, 200, 20)


def naive_ib_curve(pxy: np.ndarray, betas: np.ndarray, seed: int = 0) -> np.ndarray:
    """I(T;Y) in bits at each beta, solved the way a first attempt would.

    Triple Python loops, |T| = min(|X|, 10), a fresh random encoder for every beta,
    and a fixed 100 updates with no convergence test. Written for the comparison
    only; it is exact arithmetic (no epsilons), just slow and easily trapped.
    """
    rng = np.random.default_rng(seed)
    n_x, n_y = pxy.shape
    n_t = min(n_x, 10)
    px = pxy.sum(axis=1)
    pyx = pxy / px[:, None]
    out = []
    for beta in betas:
        enc = rng.random((n_x, n_t))
        enc /= enc.sum(axis=1, keepdims=True)
        for _ in range(100):
            pt = np.zeros(n_t)
            pyt = np.zeros((n_t, n_y))
            for x in range(n_x):
                for t in range(n_t):
                    pt[t] += px[x] * enc[x, t]
                    for y in range(n_y):
                        pyt[t, y] += px[x] * enc[x, t] * pyx[x, y]
            pyt /= pt[:, None]
            new = np.zeros((n_x, n_t))
            for x in range(n_x):
                logits = np.zeros(n_t)
                for t in range(n_t):
                    kl = 0.0
                    for y in range(n_y):
                        if pyx[x, y] > 0:
                            kl += pyx[x, y] * np.log(pyx[x, y] / pyt[t, y])
                    logits[t] = np.log(pt[t]) - beta * kl
                w = np.exp(logits - logits.max())
                new[x] = w / w.sum()
            enc = new
        out.append(info.mutual_information((enc * px[:, None]).T @ pyx))
    return np.array(out)


def embo_ib_curve(pxy: np.ndarray, betas: np.ndarray) -> np.ndarray:
    """I(T;Y) in bits at each beta from embo 1.1.0's per-beta solver, with its defaults
    (|T| = |X|, 3 restarts, at most 100 iterations, rtol 1e-3), as its IB() runs it."""
    from embo.core import InformationBottleneck

    np.random.seed(0)
    px, py = pxy.sum(axis=1), pxy.sum(axis=0)
    pyx_c = pxy.T / px
    results = [InformationBottleneck.beta_iter(1, b * np.log(2), px, py, pyx_c, px.size, 3, 100)
               for b in betas]
    return np.array([r[1] for r in results])


def timed(func):
    start = time.perf_counter()
    value = func()
    return time.perf_counter() - start, value


def main() -> None:
    i_xy = info.mutual_information(PXY)
    print(f"joint: 256 x 10 Dirichlet(1) table (seed 1), I(X;Y) = {i_xy:.5f} bits; 20 betas geomspace(0.5, 200)")
    ib.ib_curve(PXY, BETAS[:2])  # warm up imports and caches
    runs = {}
    runs["ibcourse.ib.ib_curve"] = min((timed(lambda: ib.ib_curve(PXY, BETAS).i_ty) for _ in range(5)),
                                       key=lambda r: r[0])
    try:
        runs["embo 1.1.0"] = timed(lambda: embo_ib_curve(PXY, BETAS))
    except ImportError:
        print("embo is not installed (make bench installs it): skipped")
    runs["naive loops"] = timed(lambda: naive_ib_curve(PXY, BETAS))
    ours = runs["ibcourse.ib.ib_curve"][0]
    print(f"{'solver':24s} {'wall [s]':>9s} {'x ib_curve':>11s} {'max I(T;Y)':>11s} {'gap to I(X;Y)':>14s}")
    for name, (seconds, i_ty) in runs.items():
        print(f"{name:24s} {seconds:9.3f} {seconds / ours:11.1f} {i_ty.max():11.5f} {i_xy - i_ty.max():14.2e}")
    print("(ib_curve: best of 5 runs; the others: one run)")


if __name__ == "__main__":
    main()
