import numpy as np
import pytest
import torch

from ibcourse import schedules


def test_constant():
    assert [schedules.Constant(0.3)(e) for e in (1, 5, 100)] == [0.3, 0.3, 0.3]


def test_linear_warmup_values():
    s = schedules.LinearWarmup(2.0, 4)
    assert [s(e) for e in (1, 2, 3, 4, 5, 50)] == [0.5, 1.0, 1.5, 2.0, 2.0, 2.0]


def test_cyclical_values():
    s = schedules.Cyclical(1.0, period=4, ramp=0.5)
    assert [s(e) for e in range(1, 10)] == [0.5, 1.0, 1.0, 1.0, 0.5, 1.0, 1.0, 1.0, 0.5]
    assert schedules.Cyclical(1.0, period=5, ramp=1.0)(3) == pytest.approx(0.6)


def test_schedules_scale_arrays_of_betas():
    betas = torch.tensor([0.1, 1.0])
    assert torch.allclose(schedules.LinearWarmup(betas, 10)(5), torch.tensor([0.05, 0.5]))
    assert np.allclose(schedules.Cyclical(np.array([2.0, 4.0]), 2)(1), [2.0, 4.0])


@pytest.mark.parametrize("make", [
    lambda: schedules.Constant(-1.0), lambda: schedules.Constant(float("nan")),
    lambda: schedules.LinearWarmup(1.0, 0),
    lambda: schedules.Cyclical(1.0, 4, ramp=0.0), lambda: schedules.Cyclical(torch.tensor([1.0, -1.0]), 4),
])
def test_bad_schedules(make):
    with pytest.raises(ValueError):
        make()


def test_schedule_lengths_must_be_integers():
    with pytest.raises(TypeError, match="warmup_epochs must be an integer"):
        schedules.LinearWarmup(1.0, 2.5)
