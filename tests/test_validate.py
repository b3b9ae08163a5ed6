import numpy as np
import pytest

from ibcourse import validate


def test_count_accepts_integers_and_returns_int():
    assert validate.count(3, "n") == 3 and type(validate.count(np.int64(3), "n")) is int
    assert validate.count(0, "seed", minimum=0) == 0


@pytest.mark.parametrize("value, error, message", [
    (1.5, TypeError, "n must be an integer"), (True, TypeError, "n must be an integer"),
    ("2", TypeError, "n must be an integer"), (0, ValueError, "n must be >= 1, got 0"),
])
def test_count_rejects(value, error, message):
    with pytest.raises(error, match=message):
        validate.count(value, "n")
