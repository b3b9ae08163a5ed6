"""Probes: how much label information a representation makes *usable*, as a lower bound in bits.

A probe is a simple classifier q(y|t) trained to read a label from a layer's
representation T. For any q, I(T;Y) = H(Y) - H(Y|T) >= H(Y) - CE, where CE is the
expected cross-entropy -E log2 q(y|t) (the same bound as the VIB's I(Z;Y) bound). With
the cross-entropy measured on held-out examples, H(Y) - CE estimates that lower
bound; a probe that overfits gives a worse (smaller, even negative) bound, never an
inflated one. The bound is only as tight as the probe: a linear probe measures the
information that is *linearly* decodable, which can grow with depth although I(T;Y)
itself cannot (the data processing inequality).

``held_out_log_probs``  fit a linear probe (LDA), return held-out log-probabilities
``information_bound``    H(Y) - CE in bits from held-out log-probabilities
``probe_information``    both at once
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from ibcourse import info, validate


def _features(f, name: str) -> np.ndarray:
    f = validate.array(f, name).astype(np.float64)
    if f.ndim != 2 or len(f) == 0:
        raise ValueError(f"{name} must have shape (n >= 1, features), got {f.shape}")
    validate.finite(f, name)
    return f


def _labels(y, n: int, name: str) -> np.ndarray:
    y = validate.array(y, name)
    if not np.issubdtype(y.dtype, np.integer):
        raise TypeError(f"{name} must hold integer labels, got dtype {y.dtype}")
    if y.shape != (n,):
        raise ValueError(f"{name} must have shape ({n},), got {y.shape}")
    return y


def held_out_log_probs(train_features, train_labels, test_features, *, classes: int | None = None) -> np.ndarray:
    """Natural-log probabilities log q(y|t) of a linear probe, for held-out features.

    The probe is linear discriminant analysis (scikit-learn): one Gaussian per class with
    a shared covariance, shrunk towards a diagonal by the Ledoit-Wolf rule, so q(y|t) is a
    softmax of functions linear in t. It is fitted in closed form (no iterations to
    tune), in milliseconds, on the training pairs.

    Parameters
    ----------
    train_features : array (n_train, features); train_labels : int array (n_train,)
    test_features : array (n_test, features)
    classes : int, optional
        Number of classes; columns for classes absent from the training labels get log 0 = -inf.
        Default: largest training label + 1.

    Returns
    -------
    array (n_test, classes), natural logarithms.
    """
    from sklearn.discriminant_analysis import LinearDiscriminantAnalysis

    f_train = _features(train_features, "train_features")
    y_train = _labels(train_labels, len(f_train), "train_labels")
    f_test = _features(test_features, "test_features")
    if f_test.shape[1] != f_train.shape[1]:
        raise ValueError(f"test_features must have {f_train.shape[1]} features like train_features, got {f_test.shape[1]}")
    classes = max(2, int(y_train.max()) + 1) if classes is None else validate.count(classes, "classes", minimum=2)
    if y_train.min() < 0 or y_train.max() >= classes:
        raise ValueError(f"train_labels must lie in 0 .. {classes - 1}")
    out = np.full((len(f_test), classes), -np.inf)
    present = np.unique(y_train)
    if len(present) == 1:  # one class seen: the probe can only predict it
        out[:, present[0]] = 0.0
        return out
    probe = LinearDiscriminantAnalysis(solver="lsqr", shrinkage="auto").fit(f_train, y_train)
    out[:, probe.classes_] = probe.predict_log_proba(f_test)
    return out


def information_bound(log_probs, labels) -> float:
    """H(Y) - CE in bits: a lower bound on I(T;Y) from a probe's held-out log-probabilities.

    Parameters
    ----------
    log_probs : array (n, classes)
        Natural logarithms of the probe's q(y|t) for n held-out examples.
    labels : int array (n,)
        Their labels, in 0 .. classes - 1.

    Returns
    -------
    float, bits: H(Y) of the labels' frequencies minus -mean_i log2 q(y_i|t_i). At most
    H(Y); negative when the probe does worse than the label frequencies alone.
    """
    lp = validate.array(log_probs, "log_probs").astype(np.float64)
    if lp.ndim != 2 or len(lp) == 0:
        raise ValueError(f"log_probs must have shape (n >= 1, classes), got {lp.shape}")
    if np.isnan(lp).any() or (lp > 1e-9).any():
        raise ValueError("log_probs must be natural logarithms of probabilities (<= 0, no NaN)")
    y = _labels(labels, len(lp), "labels")
    if y.min() < 0 or y.max() >= lp.shape[1]:
        raise ValueError(f"labels must lie in 0 .. {lp.shape[1] - 1}")
    h_y = info.entropy(np.bincount(y, minlength=lp.shape[1]) / len(y))
    return float(h_y + lp[np.arange(len(y)), y].mean() / np.log(2))


def probe_information(train_features, train_labels, test_features, test_labels, *,
                      bound: Callable | None = None) -> float:
    """A linear probe's held-out lower bound on I(T;Y), in bits (``held_out_log_probs``, then ``information_bound``).

    ``bound(log_probs, labels)`` replaces ``information_bound`` (a learner's version of it, as
    in exercise 5.4). ``test_labels``: int array (n_test,).
    """
    bound = information_bound if bound is None else validate.function(bound, "bound")
    f_test = _features(test_features, "test_features")
    y_test = _labels(test_labels, len(f_test), "test_labels")
    y_train = validate.array(train_labels, "train_labels")
    classes = max(2, int(max(np.max(y_train), np.max(y_test))) + 1)
    return float(bound(held_out_log_probs(train_features, train_labels, f_test, classes=classes), y_test))
