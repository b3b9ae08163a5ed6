"""ibcourse: the helper package of the executable Information Bottleneck course.

Modules
-------
info       exact information measures of discrete tables (bits)
ib         IB solvers: iterative, annealed curve, deterministic, Gaussian, rate-distortion
data       data sets: the 12-bit task of Shwartz-Ziv & Tishby; digits (offline) and MNIST;
           a sequence task whose label depends on a few marked positions
estimators I(X;T) and I(T;Y) of a layer from its activations: binning, KDE bounds
ground_truth  problems with a known I(X;Y): correlated Gaussians, their optimal critic, tables
plugin     plug-in estimates of I(X;Y) from samples (Miller-Madow correction, binning)
knn        the KSG k-nearest-neighbour estimator of I(X;Y)
neural_mi  variational lower bounds from a critic network: DV (MINE), NWJ, InfoNCE
models     networks trained many at once: MLP, conv and tiny transformer ensembles
recording  layer activations through forward hooks, at chosen epochs
training   the shared training loop
generalization  training sets from a known population, the measured gap, generalization bounds
vib        the Deep Variational IB and the beta-VAE: models, losses in bits, evaluation,
           beta sweeps
attention  attention entropy and the attention mass on chosen positions, in bits
probes     a linear probe's held-out lower bound on I(T;Y), in bits
schedules  beta schedules (constant, linear warm-up, cyclical)
exercises  checks for the notebooks' exercises
claims     checks that the prose's quantitative claims hold in the run
plots      the figures the notebooks share
student    builds student versions of the notebooks (solutions removed)
grading    grades students' submitted notebooks with the exercises' checks
nbgrader_export  the course as an nbgrader course directory
validate   argument checks shared by the modules
"""

from __future__ import annotations

import os
import random

import numpy as np

from ibcourse import validate

__version__ = "0.1.0"


def seed_everything(seed: int = 0) -> np.random.Generator:
    """Seed Python's, numpy's and torch's random generators; return a numpy Generator.

    Parameters
    ----------
    seed : int
        Integer seed in [0, 2**32) (numpy's range).

    Returns
    -------
    numpy.random.Generator
        A fresh generator seeded with ``seed``, for code that takes one.
    """
    seed = validate.seed(seed)
    random.seed(seed)
    np.random.seed(seed)
    import torch  # imported here: the exact sections do not need torch's start-up time

    torch.manual_seed(seed)
    return np.random.default_rng(seed)


def _flag(name: str) -> bool:
    value = os.environ.get(name, "").strip().lower()
    if value in ("", "0", "false", "no"):
        return False
    if value in ("1", "true", "yes"):
        return True
    raise ValueError(f"environment variable {name}={value!r}: expected 1/0, true/false or yes/no")


def quick_mode() -> bool:
    """True when ``IBCOURSE_QUICK=1``: notebooks shrink their sizes (CI's student runs)."""
    return _flag("IBCOURSE_QUICK")


def strict_mode() -> bool:
    """True when ``IBCOURSE_STRICT=1``: a failed exercise check raises instead of printing a hint."""
    return _flag("IBCOURSE_STRICT")
