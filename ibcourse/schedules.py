"""Beta schedules: small callables mapping an epoch (1, 2, ...) to the weight beta of the KL term.

``beta`` may be a number or an array/tensor (one beta per ensemble member), finite
and >= 0; the schedule scales it. Each schedule reaches ``beta`` and stays there
(cyclical: at the top of each cycle). Calling a schedule with an epoch that is not
an integer >= 0 raises (0 is before training).
"""

from __future__ import annotations

from dataclasses import dataclass

from ibcourse import validate


@dataclass(frozen=True)
class Constant:
    """beta at every epoch."""

    beta: object

    def __post_init__(self):
        validate.non_negative(self.beta, "beta")

    def __call__(self, epoch: int):
        validate.count(epoch, "epoch", minimum=0)
        return self.beta


@dataclass(frozen=True)
class LinearWarmup:
    """beta * min(1, epoch / warmup_epochs): from beta / warmup_epochs at epoch 1 up to beta."""

    beta: object
    warmup_epochs: int

    def __post_init__(self):
        validate.non_negative(self.beta, "beta")
        validate.count(self.warmup_epochs, "warmup_epochs")

    def __call__(self, epoch: int):
        validate.count(epoch, "epoch", minimum=0)
        return self.beta * min(1.0, epoch / self.warmup_epochs)


@dataclass(frozen=True)
class Cyclical:
    """Cyclical annealing (Fu et al. 2019): within each cycle of ``period`` epochs, beta rises
    linearly over the first ``ramp`` fraction and stays at ``beta`` for the rest."""

    beta: object
    period: int
    ramp: float = 0.5

    def __post_init__(self):
        validate.non_negative(self.beta, "beta")
        validate.count(self.period, "period")
        validate.number(self.ramp, "ramp", low=0, high=1, low_open=True)

    def __call__(self, epoch: int):
        validate.count(epoch, "epoch", minimum=0)
        position = ((epoch - 1) % self.period + 1) / self.period  # in (0, 1]
        return self.beta * min(1.0, position / self.ramp)
