"""Argument checks at the public boundary, shared by the modules."""

from __future__ import annotations

import numpy as np


def count(value, name: str, minimum: int = 1) -> int:
    """``value`` as an int, checked to be an integer (not a bool) that is at least ``minimum``.

    Raises
    ------
    TypeError
        ``value`` is not an integer.
    ValueError
        ``value`` is smaller than ``minimum``.
    """
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{name} must be an integer, got {value!r}")
    if value < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {value}")
    return int(value)
