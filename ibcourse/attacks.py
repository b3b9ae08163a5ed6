"""Adversarial examples in the L-infinity ball: FGSM, PGD, and the random noise they are not.

An attack looks for an input x' within ``epsilon`` of x in every pixel (||x' - x||_inf <=
epsilon) and inside the valid pixel range, that raises the model's loss on the true label.

``fgsm``             one step of size epsilon along the sign of the gradient (Goodfellow et al. 2015)
``pgd``              many smaller signed steps, each projected back into the ball, from a random
                     start (Madry et al. 2018)
``predictive_loss``  the loss of a ``vib.VIBEnsemble`` as it predicts: the softmax averaged over S
                     draws of z, fresh draws at every call, so that an attack follows the gradient
                     of the expectation over the sampling noise (EOT, Athalye et al. 2018)
``random_noise``     a random sign in every pixel, the same L-infinity size as an attack, as a
                     baseline that says little about robustness
``accuracy_under``   the accuracy of every member of a ``vib.VIBEnsemble`` against an attack, by epsilon

Attacks take a ``loss(x, y)`` that returns per-example losses of any shape (their sum is
what the attack raises), so one call attacks every member of an ensemble at once when
each member gets its own copy of the inputs, shape (members, n, pixels).
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import torch

from ibcourse import validate

_LN2 = math.log(2.0)


def _check(x, epsilon, low, high):
    x = validate.tensor(x, "x")
    if not x.is_floating_point():
        raise TypeError(f"x must hold floating-point pixels, got dtype {x.dtype}")
    validate.finite(x, "x")
    epsilon = validate.number(epsilon, "epsilon", low=0)
    low, high = validate.interval((low, high), "(low, high)")
    if bool((x < low).any() or (x > high).any()):
        raise ValueError(f"x must lie in the valid pixel range [{low:g}, {high:g}]")
    return x.detach(), epsilon, low, high


def _gradient(loss: Callable, x: torch.Tensor, y) -> torch.Tensor:
    """d sum(loss(x, y)) / dx, without touching any parameter's .grad."""
    x = x.detach().requires_grad_(True)
    value = loss(x, y)
    if not isinstance(value, torch.Tensor) or not value.requires_grad:
        raise TypeError("loss(x, y) must return a tensor that depends on x (differentiably)")
    (grad,) = torch.autograd.grad(value.sum(), x)
    return grad


def fgsm(loss: Callable, x, y, epsilon: float, *, low: float = 0.0, high: float = 1.0) -> torch.Tensor:
    """The fast gradient sign method: x' = clip(x + epsilon * sign(grad_x loss), low, high).

    Parameters
    ----------
    loss : callable
        ``loss(x, y)`` returns per-example losses (a tensor of any shape, summed), differentiable in x.
    x : tensor, any shape, floating, with values in [low, high]
        Clean inputs, e.g. (n, pixels) or (members, n, pixels).
    y : anything ``loss`` takes (labels)
    epsilon : float
        The L-infinity radius, >= 0, in pixel units. 0 returns x unchanged.
    low, high : float
        The valid pixel range (the digits: 0 to 1).

    Returns
    -------
    tensor like x (detached): within epsilon of x in every entry, and within [low, high].
    """
    validate.function(loss, "loss", "loss(x, y) -> per-example losses")
    x, epsilon, low, high = _check(x, epsilon, low, high)
    if epsilon == 0:
        return x.clone()
    return (x + epsilon * _gradient(loss, x, y).sign()).clamp(low, high)


def pgd(loss: Callable, x, y, epsilon: float, *, steps: int = 20, step_size: float | None = None,
        random_start: bool = True, seed: int = 0, low: float = 0.0, high: float = 1.0) -> torch.Tensor:
    """Projected gradient descent (ascent on the loss) in the L-infinity ball (Madry et al. 2018).

    From a uniform random point of the ball (or from x), ``steps`` times: a step of
    ``step_size`` along the sign of the gradient, then a projection back into the ball
    around x and into [low, high].

    Parameters
    ----------
    loss, x, y, epsilon, low, high
        As for ``fgsm``.
    steps : int
        Gradient steps, >= 1.
    step_size : float, optional
        Size of each step in pixel units; default 2.5 * epsilon / steps (Madry et al.), so
        that the iterates can cross the ball.
    random_start : bool
        Start from a uniform random point of the ball (seeded by ``seed``).
    seed : int
        Seeds the random start (a private generator).

    Returns
    -------
    tensor like x (detached): the last iterate, within epsilon of x and within [low, high].
    """
    validate.function(loss, "loss", "loss(x, y) -> per-example losses")
    x, epsilon, low, high = _check(x, epsilon, low, high)
    steps = validate.count(steps, "steps")
    step_size = 2.5 * epsilon / steps if step_size is None else validate.number(step_size, "step_size", low=0)
    if not isinstance(random_start, bool):
        raise TypeError(f"random_start must be True or False, got {random_start!r}")
    seed = validate.seed(seed)
    if epsilon == 0:
        return x.clone()
    floor, ceiling = (x - epsilon).clamp(min=low), (x + epsilon).clamp(max=high)
    adversarial = x.clone()
    if random_start:
        gen = torch.Generator().manual_seed(seed)
        start = torch.rand(x.shape, generator=gen, dtype=x.dtype).to(x.device)
        adversarial = torch.minimum(torch.maximum(x + epsilon * (2 * start - 1), floor), ceiling)
    for _ in range(steps):
        adversarial = adversarial + step_size * _gradient(loss, adversarial, y).sign()
        adversarial = torch.minimum(torch.maximum(adversarial, floor), ceiling)
    return adversarial.detach()


def random_noise(x, epsilon: float, *, seed: int = 0, low: float = 0.0, high: float = 1.0) -> torch.Tensor:
    """x plus epsilon times a random sign in every entry, clipped to [low, high]: a corner of the ball.

    The same L-infinity size as an attack of radius ``epsilon``, in a random direction.
    Seeded by ``seed`` (a private generator). Returns a tensor like x.
    """
    x, epsilon, low, high = _check(x, epsilon, low, high)
    gen = torch.Generator().manual_seed(validate.seed(seed))
    sign = torch.randint(0, 2, x.shape, generator=gen).to(device=x.device, dtype=x.dtype) * 2 - 1
    return (x + epsilon * sign).clamp(low, high)


def predictive_loss(model, samples: int = 12) -> Callable:
    """The loss of a ``vib.VIBEnsemble`` as it predicts, for an attack: -log2 of the averaged softmax.

    Returns ``loss(x, y)``: for inputs x, (n, n_in) or (members, n, n_in), and labels y (n,),
    the per-example losses (members, n) in bits, -log2 (1/S) sum_s softmax(decoder(z_s))[y]
    over ``samples`` = S fresh draws of z (S = 1: a single draw; a deterministic member
    gives its plain cross-entropy whatever S). Each call draws anew, so the gradient an
    attack follows averages over the sampling noise as the prediction does.
    """
    from ibcourse.vib import VIBEnsemble

    if not isinstance(model, VIBEnsemble):
        raise TypeError(f"model must be a VIBEnsemble, got {type(model).__name__}")
    samples = validate.count(samples, "samples")

    def loss(x: torch.Tensor, y) -> torch.Tensor:
        y = validate.class_labels(y, model.n_classes).to(x.device)
        logits = model(x, samples=samples)[0]  # (members, S, n, classes)
        log_p = torch.logsumexp(logits.log_softmax(-1), dim=1) - math.log(samples)  # (members, n, classes)
        if y.shape != log_p.shape[1:2]:
            raise ValueError(f"y must have shape ({log_p.shape[1]},) to match x, got {tuple(y.shape)}")
        return -log_p.gather(-1, y.expand(log_p.shape[0], -1)[..., None])[..., 0] / _LN2
    return loss


def accuracy_under(model, x, y, epsilons, attack: Callable, *, samples: int = 12) -> np.ndarray:
    """The test accuracy of every member of a ``vib.VIBEnsemble`` on attacked inputs, for each epsilon.

    Each member gets its own copy of the inputs, and ``attack(loss, x, y, epsilon)`` (``fgsm``,
    ``pgd`` with its options bound, ``random_noise`` wrapped, a learner's FGSM) perturbs them
    against ``predictive_loss(model, samples)``: the model as it predicts. The accuracy is that
    of the ``samples``-draw prediction (``vib.evaluate``'s ``error_S``), with fresh draws.

    Parameters
    ----------
    model : vib.VIBEnsemble
    x, y : clean inputs (n, n_in) in [0, 1], labels (n,)
    epsilons : sequence of float, each >= 0
    attack : callable
        ``attack(loss, x, y, epsilon)`` -> perturbed x of the same shape.
    samples : int
        Draws of z averaged by the loss and by the prediction.

    Returns
    -------
    array (len(epsilons), members)
    """
    from ibcourse.vib import VIBEnsemble, evaluate

    if not isinstance(model, VIBEnsemble):
        raise TypeError(f"model must be a VIBEnsemble, got {type(model).__name__}")
    validate.function(attack, "attack", "attack(loss, x, y, epsilon) -> perturbed x")
    epsilons = [validate.number(e, f"epsilons[{i}]", low=0)
                for i, e in enumerate(validate.sequence(epsilons, "epsilons", min_length=1))]
    x = validate.model_input(x, model, "x")
    model.eval()
    device = next(model.parameters()).device
    members = len(model.encoder.seeds)
    copies = x.to(device).expand(members, *x.shape).contiguous()
    y = validate.class_labels(y, model.n_classes).to(device)
    loss = predictive_loss(model, samples)
    out = []
    for epsilon in epsilons:
        attacked = attack(loss, copies, y, epsilon)
        if not isinstance(attacked, torch.Tensor) or attacked.shape != copies.shape:
            raise ValueError(f"attack must return a tensor of shape {tuple(copies.shape)}")
        out.append(1.0 - evaluate(model, attacked.detach(), y, samples=samples)["error_S"])
    return np.stack(out)
