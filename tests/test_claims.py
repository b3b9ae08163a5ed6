import numpy as np
import pytest
import scipy.stats

from ibcourse import claims


@pytest.fixture
def strict(monkeypatch):
    monkeypatch.setenv("IBCOURSE_STRICT", "1")


@pytest.fixture
def lenient(monkeypatch):
    monkeypatch.delenv("IBCOURSE_STRICT", raising=False)


def test_a_true_claim_prints_the_measurement(strict, capsys):
    # None, so that a cell ending in a claim shows the claim and no stray number
    assert claims.at_least(2.04, 1.0, "falls by more than 1 bit", unit="bits") is None
    out = capsys.readouterr().out
    assert "✓" in out and "falls by more than 1 bit" in out and "2.04 bits" in out


@pytest.mark.parametrize("call", [
    lambda: claims.at_least(0.5, 1.0, "falls by more than 1 bit"),
    lambda: claims.at_most(3.0, 1.0, "stays under 1"),
    lambda: claims.between(5.0, 0.0, 1.0, "lies in [0, 1]"),
    lambda: claims.expect(False, "the curve is monotone", "3 decreasing steps"),
])
def test_a_contradicted_claim_raises_in_strict_mode(strict, call):
    with pytest.raises(claims.ClaimError, match="this run measured"):
        call()


def test_a_contradicted_claim_warns_without_strict_mode(lenient, capsys):
    claims.expect(False, "the curve is monotone", "3 decreasing steps")
    out = capsys.readouterr().out
    assert "NOT supported" in out and "3 decreasing steps" in out


def test_between_edges_are_inclusive(strict):
    claims.between(1.0, 1.0, 2.0, "at least one")
    claims.between(2.0, 1.0, 2.0, "at most two")


def test_difference_with_noise(strict):
    rng = np.random.default_rng(0)
    a, b = rng.normal(1.0, 0.1, 10), rng.normal(0.0, 0.1, 10)
    result = claims.difference(a, b, "a is larger", expected="bigger")
    assert result.difference == pytest.approx(a.mean() - b.mean())
    assert result.standard_error == pytest.approx(np.sqrt(a.var(ddof=1) / 10 + b.var(ddof=1) / 10))
    welch = scipy.stats.ttest_ind(a, b, equal_var=False)
    assert result.degrees_of_freedom == pytest.approx(welch.df)
    low, high = result.interval
    assert (low, high) == pytest.approx(tuple(welch.confidence_interval(0.95)))
    claims.difference(b, a, "b is smaller", expected="smaller")
    with pytest.raises(claims.ClaimError):
        claims.difference(a, b, "no effect", expected="within noise")
    same = rng.normal(0.0, 0.1, 10)
    claims.difference(same, rng.normal(0.0, 0.1, 10), "no effect", expected="within noise")
    with pytest.raises(claims.ClaimError):
        claims.difference(same, rng.normal(0.0, 0.1, 10), "an effect", expected="bigger")


@pytest.mark.parametrize("call, error, message", [
    (lambda: claims.at_least(float("nan"), 1.0, "x"), ValueError, "value is NaN"),
    (lambda: claims.at_least("2", 1.0, "x"), TypeError, "value must be a real number"),
    (lambda: claims.at_least(True, 1.0, "x"), TypeError, "value must be a real number"),
    (lambda: claims.at_least(2.0, 1.0, ""), TypeError, "claim must be a non-empty string"),
    (lambda: claims.between(0.5, 1.0, 0.0, "x"), ValueError, "low must be <= high"),
    (lambda: claims.expect(1, "x", "y"), TypeError, "condition must be a bool"),
    (lambda: claims.expect(True, "x", ""), TypeError, "measured must be a non-empty string"),
    (lambda: claims.difference([1.0], [2.0, 3.0], "x", expected="bigger"), ValueError, "at least 2"),
    (lambda: claims.difference([1.0, np.nan], [2.0, 3.0], "x", expected="bigger"), ValueError, "NaN"),
    (lambda: claims.difference([1.0, 2.0], [2.0, 3.0], "x", expected="larger"), ValueError, "expected must be"),
])
def test_bad_input(call, error, message):
    with pytest.raises(error, match=message):
        call()


def test_two_seeds_give_a_wide_interval(strict):
    """With two seeds per group the t quantile is far above 1.96: a 2-sigma difference is within noise."""
    result = claims.compare([1.0, 1.5], [0.0, 0.5])  # difference 1.0, 2.8 standard errors
    assert result.difference / result.standard_error > 1.96  # the normal approximation would call it an effect
    assert result.interval[0] < 0.0 < result.interval[1]


def test_long_claims_are_folded_at_90_characters(strict, capsys):
    claims.at_least(1.0, 0.5, "a claim " * 20)
    assert max(len(line) for line in capsys.readouterr().out.splitlines()) <= 90
