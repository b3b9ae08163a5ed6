"""Beta schedules: small callables mapping an epoch (1, 2, ...) to the weight beta of the KL term.

``beta`` may be a number or an array/tensor (one beta per ensemble member); the
schedule scales it. Each schedule reaches ``beta`` and stays there (cyclical: at
the top of each cycle).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ibcourse import validate


def _check_beta(beta) -> None:
    values = np.asarray(beta.detach().cpu() if hasattr(beta, "detach") else beta, dtype=float)
    if not np.all(np.isfinite(values)) or np.any(values < 0):
        raise ValueError(f"beta must be finite and >= 0, got {beta!r}")


@dataclass(frozen=True)
class Constant:
    """beta at every epoch."""

    beta: object

    def __post_init__(self):
        _check_beta(self.beta)

    def __call__(self, epoch: int):
        return self.beta


@dataclass(frozen=True)
class LinearWarmup:
    """beta * min(1, epoch / warmup_epochs): from beta / warmup_epochs at epoch 1 up to beta."""

    beta: object
    warmup_epochs: int

    def __post_init__(self):
        _check_beta(self.beta)
        validate.count(self.warmup_epochs, "warmup_epochs")

    def __call__(self, epoch: int):
        return self.beta * min(1.0, epoch / self.warmup_epochs)


@dataclass(frozen=True)
class Cyclical:
    """Cyclical annealing (Fu et al. 2019): within each cycle of ``period`` epochs, beta rises
    linearly over the first ``ramp`` fraction and stays at ``beta`` for the rest."""

    beta: object
    period: int
    ramp: float = 0.5

    def __post_init__(self):
        _check_beta(self.beta)
        validate.count(self.period, "period")
        if not 0 < self.ramp <= 1:
            raise ValueError(f"ramp must be in (0, 1], got {self.ramp!r}")

    def __call__(self, epoch: int):
        position = ((epoch - 1) % self.period + 1) / self.period  # in (0, 1]
        return self.beta * min(1.0, position / self.ramp)
