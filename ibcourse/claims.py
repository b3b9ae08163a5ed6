"""Checked claims: every quantitative sentence of a notebook's prose is tested in the run.

A markdown cell that says "the 3-unit layer falls by more than 1 bit" is followed,
in the code cell that computes the fall, by

    claims.at_least(fall, 1.0, "the 3-unit layer falls by more than 1 bit", unit="bits")

which prints the claim beside the measured value. When the run contradicts the text,
it prints a warning in normal use and raises :class:`ClaimError` under
``IBCOURSE_STRICT=1`` (CI's runs of the full notebooks), so prose and output cannot
drift apart unnoticed. State each claim with the margin the seed-to-seed spread
allows, so that it holds on any machine.

Helpers
-------
expect         any condition, with the measured value described by the caller
at_least       value >= limit
at_most        value <= limit
between        low <= value <= high
difference     compare two groups of measurements (e.g. seeds): a difference with
               its standard error, claimed as "bigger", "smaller" or "within noise"
"""

from __future__ import annotations

import math
import textwrap
from dataclasses import dataclass

import numpy as np
import scipy.stats

from ibcourse import strict_mode


class ClaimError(AssertionError):
    """Raised under ``IBCOURSE_STRICT=1`` when a run contradicts a claim of the notebook's text."""


def _number(value, name: str) -> float:
    if isinstance(value, (bool, str, bytes)):
        raise TypeError(f"{name} must be a real number, got {value!r}")
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise TypeError(f"{name} must be a real number, got {value!r}") from None
    if math.isnan(number):
        raise ValueError(f"{name} is NaN: a claim cannot be checked against a NaN measurement")
    return number


def _check_claim(claim) -> str:
    if not isinstance(claim, str) or not claim.strip():
        raise TypeError(f"claim must be a non-empty string quoting the text, got {claim!r}")
    return claim.strip()


def expect(condition: bool, claim: str, measured: str) -> None:
    """Report whether the run supports ``claim``; raise under strict mode when it does not.

    Parameters
    ----------
    condition : bool
        True when the measured values agree with the claim.
    claim : str
        The sentence of the notebook's text, as the learner reads it.
    measured : str
        What was measured, with units, e.g. ``"fall = 2.04 bits"``.

    Returns nothing, so that a cell ending in a claim shows no stray value.

    Raises
    ------
    ClaimError
        Under ``IBCOURSE_STRICT=1``, when ``condition`` is false.
    """
    claim = _check_claim(claim)
    if not isinstance(condition, (bool, np.bool_)):
        raise TypeError(f"condition must be a bool, got {type(condition).__name__}")
    if not isinstance(measured, str) or not measured.strip():
        raise TypeError(f"measured must be a non-empty string describing the measurement, got {measured!r}")
    if condition:
        print(_wrap(f"✓ claim holds: {claim}"), _wrap(f"    measured: {measured}"), sep="\n")
        return
    message = f"the text says '{claim}', but this run measured {measured}"
    if strict_mode():
        raise ClaimError(message)
    print(_wrap(f"⚠ claim NOT supported by this run: the text says '{claim}'"),
          _wrap(f"    but this run measured: {measured}"), "    Read the text above with this in mind.", sep="\n")


def _wrap(line: str) -> str:
    """``line`` folded at 90 characters, continuation lines indented (notebook output stays unwrapped)."""
    return textwrap.fill(line, width=90, subsequent_indent="      ", break_long_words=False)


def _show(value: float, unit: str, digits: int) -> str:
    return f"{value:.{digits}g}{' ' + unit if unit else ''}"


def at_least(value, limit, claim: str, *, unit: str = "", digits: int = 4) -> None:
    """Check ``value >= limit`` for ``claim``, printing both (units as given).

    ``unit`` is printed after the numbers, which are shown with ``digits`` significant digits.
    """
    value, limit = _number(value, "value"), _number(limit, "limit")
    expect(value >= limit, claim, f"{_show(value, unit, digits)} (claim needs >= {_show(limit, unit, digits)})")


def at_most(value, limit, claim: str, *, unit: str = "", digits: int = 4) -> None:
    """Check ``value <= limit`` for ``claim``, printing both (units as given)."""
    value, limit = _number(value, "value"), _number(limit, "limit")
    expect(value <= limit, claim, f"{_show(value, unit, digits)} (claim needs <= {_show(limit, unit, digits)})")


def between(value, low, high, claim: str, *, unit: str = "", digits: int = 4) -> None:
    """Check ``low <= value <= high`` for ``claim``, printing all three (units as given)."""
    value, low, high = _number(value, "value"), _number(low, "low"), _number(high, "high")
    if low > high:
        raise ValueError(f"low must be <= high, got low={low}, high={high}")
    expect(low <= value <= high, claim,
           f"{_show(value, unit, digits)} (claim needs {_show(low, unit, digits)} to {_show(high, unit, digits)})")


@dataclass(frozen=True)
class Difference:
    """Mean of ``a`` minus mean of ``b``, with its standard error and a 95 % interval (units of the data).

    The standard error is Welch's, sqrt(var_a / n_a + var_b / n_b) with sample variances,
    and the interval uses Student's t quantile at the Welch-Satterthwaite degrees of
    freedom, so that a handful of seeds gives the wide interval it deserves (two seeds
    per group: about 1 to 2 degrees of freedom and a quantile of 5 to 13, not 1.96).
    """

    mean_a: float
    mean_b: float
    difference: float
    standard_error: float
    degrees_of_freedom: float

    @property
    def interval(self) -> tuple[float, float]:
        """The 95 % interval (Welch's t) of the difference."""
        if self.standard_error == 0:
            return self.difference, self.difference
        half = float(scipy.stats.t.ppf(0.975, self.degrees_of_freedom)) * self.standard_error
        return self.difference - half, self.difference + half

    def __str__(self) -> str:
        low, high = self.interval
        return f"{self.difference:+.4g} ± {self.standard_error:.2g} (95%: {low:+.3g} to {high:+.3g})"


def _sample(values, name: str) -> np.ndarray:
    arr = np.asarray(values, dtype=np.float64).ravel()
    if arr.size < 2:
        raise ValueError(f"{name} needs at least 2 measurements (seeds) to estimate a spread, got {arr.size}")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} holds NaN or infinite measurements")
    return arr


def compare(a, b) -> Difference:
    """The difference of the means of two groups of repeated measurements, with its standard error.

    Parameters
    ----------
    a, b : array_like, shape (n_a,), (n_b,)
        Repeated measurements (one per seed), n_a, n_b >= 2.
    """
    a, b = _sample(a, "a"), _sample(b, "b")
    va, vb = a.var(ddof=1) / a.size, b.var(ddof=1) / b.size
    se = math.sqrt(va + vb)
    if se == 0:
        df = float(a.size + b.size - 2)
    else:  # Welch-Satterthwaite
        df = (va + vb) ** 2 / (va ** 2 / (a.size - 1) + vb ** 2 / (b.size - 1))
    return Difference(float(a.mean()), float(b.mean()), float(a.mean() - b.mean()), se, float(df))


def difference(a, b, claim: str, *, expected: str) -> Difference:
    """Check a claim about two groups of repeated measurements (seeds) against their noise.

    Parameters
    ----------
    a, b : array_like
        Measurements of the two conditions, one per seed (at least 2 each).
    claim : str
        The sentence of the text.
    expected : {"bigger", "smaller", "within noise"}
        "bigger": the 95 % interval of mean(a) - mean(b) lies above 0; "smaller": below
        0; "within noise": it contains 0 (the text reports no effect).

    Returns
    -------
    Difference
    """
    if expected not in ("bigger", "smaller", "within noise"):
        raise ValueError(f"expected must be 'bigger', 'smaller' or 'within noise', got {expected!r}")
    result = compare(a, b)
    low, high = result.interval
    holds = {"bigger": low > 0, "smaller": high < 0, "within noise": low <= 0 <= high}[expected]
    expect(bool(holds), claim, f"difference {result}, claimed {expected}")
    return result
