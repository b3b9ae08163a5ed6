"""Data sets of the course, generated or shipped with a dependency: nothing is downloaded here.

``szt_12bit``  the 12-bit task of Shwartz-Ziv & Tishby (2017), generated exactly
"""

from __future__ import annotations

import numpy as np

#: The 12 unit vertices of the icosahedron, one per input bit (bit 0 first).
_PHI = (1 + 5 ** 0.5) / 2
_A = 1 / np.sqrt(1 + _PHI ** 2)
_B = _PHI * _A
ICOSAHEDRON = np.array([
    (0, -_A, -_B), (-_A, -_B, 0), (0, -_A, _B), (_A, -_B, 0), (-_B, 0, _A), (0, _A, -_B),
    (-_A, _B, 0), (_A, _B, 0), (_B, 0, _A), (0, _A, _B), (_B, 0, -_A), (-_B, 0, -_A),
])


def szt_12bit() -> tuple[np.ndarray, np.ndarray]:
    """The binary task of Shwartz-Ziv & Tishby (2017), "Opening the black box of DNNs".

    X holds all 2**12 = 4096 patterns of 12 bits in binary counting order (bit 0, the
    first column, is the most significant). The label is a function of the pattern
    that is invariant under the rotations of the icosahedron: with p_i the unit
    vertex assigned to bit i and w the number of ones,

        y = 1  iff  ||sum_i x_i p_i||**2 + 7 w - 0.36 w**2 > 31.81.

    This rule reproduces the 4096 labels of the authors' data file (2118 positive):
    the labels are generated, not downloaded. Every pattern occurs once, so with X
    uniform, I(X;T) of a deterministic layer T = f(X) is H(T).

    Returns
    -------
    X : numpy.ndarray, float32, shape (4096, 12), entries 0 or 1
    y : numpy.ndarray, int64, shape (4096,), entries 0 or 1
    """
    codes = np.arange(2 ** 12)
    X = ((codes[:, None] >> np.arange(11, -1, -1)) & 1).astype(np.float32)
    ones = X.sum(axis=1)
    score = np.sum((X @ ICOSAHEDRON) ** 2, axis=1) + 7 * ones - 0.36 * ones ** 2
    return X, (score > 31.81).astype(np.int64)
