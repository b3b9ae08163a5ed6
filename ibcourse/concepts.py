"""Interpretable bottlenecks: concept supervision, alignment of latents with known factors, contributions.

``concept_objective``           a ``loss_fn`` for ``training.train``: the VIB loss plus, per member, a
                                weight times the cross-entropy of named binary concepts read from the first
                                latent dimensions (a concept bottleneck model, Koh et al. 2020, with
                                the VIB's noise and KL); weight 0 is the plain VIB
``targets``                     labels and concepts stacked into the targets that objective reads
``concept_accuracy``            how often the sign of each concept dimension's posterior mean is right
``latent_factor_information``   I(latent dimension; factor) in bits, each latent binned into quantiles
``single_dimension_probe``      the best one latent dimension and threshold for each concept
``logit_contributions``         the exact additive parts of a linear decoder's logits, per dimension

All information, cross-entropies and contributions are in bits.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import torch
from torch.nn import functional as F

from ibcourse import info, validate
from ibcourse.models import BatchedLinear
from ibcourse.vib import VIBEnsemble, _betas, vib_loss

_LN2 = math.log(2.0)


def _model(model) -> VIBEnsemble:
    if not isinstance(model, VIBEnsemble):
        raise TypeError(f"model must be a VIBEnsemble, got {type(model).__name__}")
    return model


def _binary(values, name: str, rows: int | None = None) -> torch.Tensor:
    values = validate.tensor(values, name)
    if values.is_floating_point() or values.is_complex() or values.ndim != 2:
        raise TypeError(f"{name} must be an integer (or bool) array of shape (n, concepts), got dtype "
                        f"{values.dtype} and shape {tuple(values.shape)}")
    if not bool(((values == 0) | (values == 1)).all()):
        raise ValueError(f"{name} must hold 0/1 concept values")
    if rows is not None and len(values) != rows:
        raise ValueError(f"{name} must have one row per input ({rows}), got {len(values)}")
    return values.long()


def targets(y, concepts) -> torch.Tensor:
    """Labels (n,) and 0/1 concepts (n, C) as one int64 tensor (n, 1 + C), label first, for ``concept_objective``."""
    y = validate.tensor(y, "y")
    if y.ndim != 1 or y.is_floating_point() or y.dtype == torch.bool:
        raise TypeError(f"y must be an integer array of shape (n,), got dtype {y.dtype} and shape {tuple(y.shape)}")
    concepts = _binary(concepts, "concepts", len(y))
    return torch.cat([y.long()[:, None], concepts], dim=1)


def concept_objective(schedules: Sequence, weights, samples: int = 1):
    """A ``loss_fn`` for ``training.train``: VIB loss + weight * concept cross-entropy, per member.

    The training targets are ``targets(y, concepts)``: the label, then C binary concepts.
    Member m reads concept j from the posterior mean of its latent dimension j (j < C) as a
    logit: p(concept j | x) = sigmoid(mean_j(x)). Its loss is

        CE(y) + beta_m(epoch) KL + weights[m] * sum_j BCE_j          (bits)

    with the binary cross-entropies summed over the C concepts and averaged over the batch,
    and CE and KL as in ``vib.vib_loss`` (the decoder reads a sample of z, all K dimensions).
    ``weights[m] = 0`` trains a plain VIB that never sees the concepts; a positive weight
    ties dimension j to concept j (a concept bottleneck).

    Parameters
    ----------
    schedules : sequence of callables
        One beta schedule per member (``ibcourse.schedules``).
    weights : sequence of float
        One concept weight per member, each >= 0.
    samples : int
        Draws of z per example.
    """
    schedules = validate.functions(schedules, "schedules", "one per member, e.g. schedules.Constant(beta)")
    weights = validate.non_negative(weights, "weights")
    if weights.ndim != 1:
        raise ValueError(f"weights must hold one number per member, got shape {weights.shape}")
    samples = validate.count(samples, "samples")

    def loss_fn(model: VIBEnsemble, x: torch.Tensor, target: torch.Tensor, epoch: int) -> dict[str, torch.Tensor]:
        members = len(model.encoder.seeds)
        validate.one_per_member(schedules, members, "schedules")
        validate.one_per_member(weights, members, "weights")
        if target.ndim != 2 or not 2 <= target.shape[1] <= model.k + 1:
            raise ValueError(f"the training targets must be targets(y, concepts), shape (n, 1 + C) with "
                             f"1 <= C <= K = {model.k}, got {tuple(target.shape)}")
        logits, mean, std = model(x, samples=samples)
        parts = vib_loss(logits, target[:, 0], mean, std, _betas(schedules, epoch).to(x.device))
        concepts = target[:, 1:].to(mean.dtype)
        n_concepts = concepts.shape[1]
        bce = F.binary_cross_entropy_with_logits(mean[..., :n_concepts], concepts.expand(members, -1, -1),
                                                 reduction="none").sum(-1).mean(-1) / _LN2  # (members,)
        weight = torch.as_tensor(weights, dtype=bce.dtype, device=bce.device)
        objective = parts["objective"] + weight * bce
        return {**parts, "loss": objective.sum(), "objective": objective, "concept_loss": bce}
    return loss_fn


@torch.no_grad()
def concept_accuracy(model: VIBEnsemble, x, concepts) -> np.ndarray:
    """Fraction of inputs whose concept j is read right from dimension j: mean_j(x) > 0 iff concept j holds.

    ``x`` (n, n_in); ``concepts`` 0/1 of shape (n, C), C <= K. Returns (members, C).
    """
    model = _model(model)
    x = validate.model_input(x, model, "x")
    concepts = _binary(concepts, "concepts", len(x))
    if concepts.shape[1] > model.k:
        raise ValueError(f"concepts has {concepts.shape[1]} columns, more than the K = {model.k} dimensions")
    model.eval()
    mean, _ = model.encode(x.to(next(model.parameters()).device))
    said = (mean[..., :concepts.shape[1]] > 0).long().cpu()
    return (said == concepts).double().mean(dim=1).numpy()


def _quantile_bins(values: np.ndarray, bins: int) -> np.ndarray:
    """Each value's bin among ``bins`` bins of (nearly) equal counts, from its rank: ints 0 .. bins - 1."""
    ranks = np.argsort(np.argsort(values, kind="stable"), kind="stable")
    return (ranks * bins) // len(values)


def latent_factor_information(latents, factors, *, bins: int = 8) -> np.ndarray:
    """I(Z_k; F_j) in bits for every latent dimension k and factor j, each latent binned into quantiles.

    Latent k is cut into ``bins`` bins of equal counts (its quantiles), and the mutual
    information of that discrete symbol with factor j is the plug-in value of their joint
    counts. It is at most min(log2 bins, H(F_j)) and biased upwards on finite samples, by about
    (bins - 1)(levels_j - 1) / (2 n ln 2) bits for independent variables: compare it with
    the same number computed on shuffled factors.

    Parameters
    ----------
    latents : array (n, K)
        One row per input (e.g. posterior means).
    factors : int array (n, F)
        Each factor's value index per input.
    bins : int
        Quantile bins per latent, >= 2.

    Returns
    -------
    array (K, F), bits.
    """
    latents = validate.array(latents, "latents").astype(np.float64)
    factors = validate.array(factors, "factors")
    if latents.ndim != 2 or factors.ndim != 2 or len(latents) != len(factors) or len(latents) < 2:
        raise ValueError(f"latents (n, K) and factors (n, F) need the same n >= 2 rows, got {latents.shape} "
                         f"and {factors.shape}")
    validate.finite(latents, "latents")
    if not np.issubdtype(factors.dtype, np.integer) or factors.min() < 0:
        raise TypeError("factors must hold integer value indices >= 0")
    bins = validate.count(bins, "bins", minimum=2)
    out = np.zeros((latents.shape[1], factors.shape[1]))
    for k in range(latents.shape[1]):
        symbol = _quantile_bins(latents[:, k], bins)
        for j in range(factors.shape[1]):
            joint = np.zeros((bins, int(factors[:, j].max()) + 1))
            np.add.at(joint, (symbol, factors[:, j]), 1.0)
            out[k, j] = info.mutual_information(joint / joint.sum())
    return out


def single_dimension_probe(train_latents, train_concepts, test_latents, test_concepts
                           ) -> tuple[np.ndarray, np.ndarray]:
    """For each concept, the one latent dimension and threshold that read it best, fitted on training data.

    For every dimension k and concept j, the rule "concept j holds iff z_k > t" (or "< t") is
    fitted on the training latents by choosing the threshold t among the training values
    that gives the highest training accuracy; for each concept the best dimension is kept,
    and its accuracy measured on the test latents. This is how well a post-hoc reading of
    single dimensions as named concepts can do.

    Parameters
    ----------
    train_latents, test_latents : arrays (n_train, K), (n_test, K)
    train_concepts, test_concepts : 0/1 int arrays (n_train, C), (n_test, C)

    Returns
    -------
    dimension : int array (C,), the dimension chosen for each concept
    accuracy : array (C,), its test accuracy
    """
    z_train, z_test = (validate.array(v, n).astype(np.float64) for v, n in
                       ((train_latents, "train_latents"), (test_latents, "test_latents")))
    c_train = _binary(train_concepts, "train_concepts", len(z_train)).numpy()
    c_test = _binary(test_concepts, "test_concepts", len(z_test)).numpy()
    if z_train.ndim != 2 or z_test.ndim != 2 or z_train.shape[1] != z_test.shape[1] or c_train.shape[1] != c_test.shape[1]:
        raise ValueError("train and test latents must be (n, K) with the same K, and concepts (n, C) with the same C")
    dimensions, accuracies = np.zeros(c_train.shape[1], dtype=np.int64), np.zeros(c_train.shape[1])
    for j in range(c_train.shape[1]):
        best = (-1.0, 0, 0.0, 1)  # training accuracy, dimension, threshold, direction
        for k in range(z_train.shape[1]):
            order = np.argsort(z_train[:, k], kind="stable")
            ordered, said = z_train[order, k], c_train[order, j]
            # the rule "holds iff z > ordered[i]": right on the zeros up to i and the ones after i
            right = np.cumsum(1 - said) + (said.sum() - np.cumsum(said))
            i = int(np.argmax(np.maximum(right, len(said) - right)))
            direction = 1 if right[i] >= len(said) - right[i] else -1
            accuracy = max(right[i], len(said) - right[i]) / len(said)
            if accuracy > best[0]:
                best = (accuracy, k, ordered[i], direction)
        _, k, threshold, direction = best
        dimensions[j] = k
        accuracies[j] = np.mean((direction * (z_test[:, k] - threshold) > 0) == (c_test[:, j] == 1))
    return dimensions, accuracies


def logit_contributions(model: VIBEnsemble, z) -> tuple[torch.Tensor, torch.Tensor]:
    """The parts of each member's logits that each latent dimension contributes, exactly, in bits.

    With a linear decoder, logit_c(z) = b_c + sum_k W_kc z_k; the contribution of dimension k
    to class c is W_kc z_k / ln 2 (bits of log-odds, measured from z_k = 0, the prior's mean).
    The contributions and the bias add up to the logits (divided by ln 2).

    Parameters
    ----------
    model : VIBEnsemble with a linear decoder (no ``decoder_hidden``)
    z : tensor (members, n, K) or (n, K)
        Latent values to explain, e.g. posterior means.

    Returns
    -------
    contributions : tensor (members, n, K, classes), bits
    bias : tensor (members, classes), bits
    """
    model = _model(model)
    layers = [m for m in model.decoder.children() if isinstance(m, BatchedLinear)]
    if len(layers) != 1:
        raise ValueError("logit_contributions needs a linear decoder (a VIBEnsemble without decoder_hidden); "
                         "a nonlinear decoder has no exact additive split")
    z = validate.tensor(z, "z")
    members = layers[0].weight.shape[0]
    if z.ndim == 2:
        z = z.expand(members, *z.shape)
    if z.ndim != 3 or z.shape[0] != members or z.shape[2] != model.k:
        raise ValueError(f"z must have shape (n, {model.k}) or ({members}, n, {model.k}), got {tuple(z.shape)}")
    weight, bias = layers[0].weight, layers[0].bias[:, 0]  # (members, K, classes), (members, classes)
    return z[..., None] * weight[:, None] / _LN2, bias / _LN2
