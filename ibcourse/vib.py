"""The Deep Variational Information Bottleneck (Alemi et al. 2017) and the beta-VAE, in bits.

A stochastic encoder q(z|x) = N(mu(x), diag sigma(x)^2) with a K-dimensional z,
a prior r(z) = N(0, I), and a decoder. For a classifier (``VIBEnsemble``) the
decoder gives q(y|z), and the loss

    CE + beta * KL(q(z|x) || r(z))        (both in bits, KL summed over the K dims)

is a variational upper bound on -[I(Z;Y) - beta I(Z;X)] up to the constant H(Y):
    I(Z;X) <= E_x KL(q(z|x) || r(z))        and        I(Z;Y) >= H(Y) - CE.
For an autoencoder (``VAEEnsemble``) the decoder gives a categorical distribution
over the grey levels of every pixel, and the same KL term with weight beta gives the
beta-VAE (Higgins et al. 2017): distortion (the image's code length) + beta * rate.

Models hold several independent members (seeds, betas) evaluated in one batched
pass, like ``models.MLPEnsemble``; tensors carry a leading members axis.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

from ibcourse import claims, data, info, models, schedules, training, validate
from ibcourse.models import ACTIVATIONS, BatchedLinear, MLPEnsemble, ensemble_cross_entropy

#: Smallest posterior standard deviation: sigma = softplus(raw - 5) + STD_FLOOR never reaches 0.
STD_FLOOR = 1e-4
_LN2 = math.log(2.0)


def kl_to_standard_normal(mean: torch.Tensor, std: torch.Tensor) -> torch.Tensor:
    """KL(N(mean, diag std^2) || N(0, I)) in bits, summed over the last axis.

    KL = 1/2 sum_k (std_k^2 + mean_k^2 - 1 - ln std_k^2), divided by ln 2.

    Parameters
    ----------
    mean, std : tensors of equal shape (..., K); std > 0

    Returns
    -------
    tensor of shape (...): one KL per distribution, in bits
    """
    mean, std = validate.tensor(mean, "mean"), validate.tensor(std, "std")
    if mean.shape != std.shape:
        raise ValueError(f"mean and std must have the same shape, got {tuple(mean.shape)} and {tuple(std.shape)}")
    if not bool((std > 0).all()):
        raise ValueError("std must be positive (found a value <= 0 or NaN)")
    return 0.5 * (std.square() + mean.square() - 1 - 2 * torch.log(std)).sum(dim=-1) / _LN2


def reparameterise(mean: torch.Tensor, std: torch.Tensor, eps: torch.Tensor) -> torch.Tensor:
    """z = mean + std * eps: a sample of N(mean, std^2) through which gradients reach mean and std.

    ``eps`` is standard normal noise, broadcastable against ``mean`` and ``std``.
    """
    mean, std, eps = validate.tensor(mean, "mean"), validate.tensor(std, "std"), validate.tensor(eps, "eps")
    validate.broadcastable(mean=mean, std=std, eps=eps)
    return mean + std * eps


class _GaussianEncoder(nn.Module):
    """An MLP ensemble encoder to the mean and a positive std (floored at STD_FLOOR) of K Gaussian dims.

    With a ``body`` (an ensemble network such as ``models.ConvEnsemble`` or
    ``models.TransformerEnsemble``, mapping the inputs to features (members, batch,
    body.n_features)), the MLP reads the body's features instead of the raw inputs.
    """

    def __init__(self, n_in: int, k: int, hidden: Sequence[int], seeds: Sequence[int], body: nn.Module | None = None):
        super().__init__()
        n_in, k, hidden = validate.count(n_in, "n_in"), validate.count(k, "k"), validate.counts(hidden, "hidden", min_length=0)
        seeds = validate.seeds(seeds)
        self.k = k
        if body is not None:
            validate.module(body, "body")
            if not all(hasattr(body, a) for a in ("seeds", "n_in", "n_features")):
                raise TypeError(f"body must be an ensemble network with seeds, n_in and n_features (e.g. "
                                f"models.ConvEnsemble), got {type(body).__name__}")
            if len(body.seeds) != len(seeds):
                raise ValueError(f"body has {len(body.seeds)} members, but seeds gives {len(seeds)}")
            if body.n_in != n_in:
                raise ValueError(f"n_in must be the size of one input of the body ({body.n_in}), got {n_in}")
        self.body = body
        self.encoder = MLPEnsemble([n_in if body is None else body.n_features, *hidden, 2 * k], ["relu"] * len(seeds),
                                   seeds)

    @property
    def members(self) -> int:
        """How many independent models the ensemble holds."""
        return len(self.encoder.seeds)

    def encode(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Posterior mean and std, each (members, batch, K), for inputs (batch, n_in)."""
        raw = self.encoder(x if self.body is None else self.body(x))
        return raw[..., :self.k], F.softplus(raw[..., self.k:] - 5.0) + STD_FLOOR


class VIBEnsemble(_GaussianEncoder):
    """Deep VIB classifiers: MLP encoder -> (mean, std) of K Gaussian dims -> linear decoder -> logits.

    Parameters
    ----------
    n_in, n_classes, k : int
        Input size, number of classes, bottleneck dimension K.
    hidden : sequence of int
        Widths of the encoder's hidden ReLU layers (Alemi et al.: 1024, 1024).
    seeds : sequence of int
        One initialisation seed per member.
    stochastic : sequence of bool, optional
        Per member; False makes a deterministic baseline of the same architecture
        (z = mean, no noise; give it beta = 0). Default: all stochastic.
    decoder_hidden : sequence of int, optional
        Widths of hidden ReLU layers of the decoder; default none (a linear decoder, as in
        Alemi et al.).
    body : nn.Module, optional
        An ensemble network with one member per seed that turns the inputs into features
        before the MLP encoder: ``models.ConvEnsemble`` (a convolutional VIB) or
        ``models.TransformerEnsemble`` (a VIB on a transformer's CLS vector). ``n_in``
        is then the size of one input of the body (``body.n_in``).
    """

    def __init__(self, n_in: int, n_classes: int, k: int, hidden: Sequence[int], seeds: Sequence[int],
                 stochastic: Sequence[bool] | None = None, decoder_hidden: Sequence[int] = (), *,
                 body: nn.Module | None = None):
        super().__init__(n_in, k, hidden, seeds, body)
        self.n_classes = validate.count(n_classes, "n_classes", minimum=2)
        decoder_hidden = validate.counts(decoder_hidden, "decoder_hidden", min_length=0)
        members = len(seeds)
        stochastic = [True] * members if stochastic is None else validate.flags(stochastic, "stochastic", members)
        self.decoder = MLPEnsemble([k, *decoder_hidden, n_classes], ["relu"] * members, [s + 500 for s in seeds])
        self.register_buffer("noise", torch.tensor(stochastic, dtype=torch.float32)[:, None, None, None])

    def forward(self, x: torch.Tensor, samples: int = 1, *, sampler: Callable | None = None
                ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """Logits (members, samples, batch, classes) of ``samples`` draws of z, with the mean and std.

        ``samples=0`` decodes the posterior mean instead of a sample (logits with a samples axis of 1).
        ``sampler(mean, std, eps)`` builds the draws from standard normal ``eps`` (default
        ``reparameterise``; a learner's version of it, as in exercise 4.2, can be passed).
        """
        mean, std = self.encode(x)
        return self.decode_samples(mean, std, samples, sampler=sampler), mean, std

    def decode_samples(self, mean: torch.Tensor, std: torch.Tensor, samples: int = 1, *,
                       sampler: Callable | None = None) -> torch.Tensor:
        """Logits (members, samples, batch, classes) of ``samples`` draws of z from posteriors (members, batch, K).

        ``samples=0`` decodes the mean; ``sampler`` as in ``forward``.
        """
        samples = validate.count(samples, "samples", minimum=0)
        sampler = reparameterise if sampler is None else validate.function(sampler, "sampler")
        if samples == 0:
            z = mean[:, None]
        else:
            eps = torch.randn(mean.shape[0], samples, *mean.shape[1:], device=mean.device)
            z = sampler(mean[:, None], std[:, None], eps * self.noise)
        members, s, batch, k = z.shape
        return self.decoder(z.reshape(members, s * batch, k)).reshape(members, s, batch, -1)


def vib_loss(logits: torch.Tensor, y: torch.Tensor, mean: torch.Tensor, std: torch.Tensor,
             beta: torch.Tensor) -> dict[str, torch.Tensor]:
    """The VIB loss of each member and its parts, in bits.

    Parameters
    ----------
    logits : tensor (members, samples, batch, classes)
    y : int tensor (batch,)
    mean, std : tensors (members, batch, K)
    beta : tensor (members,) or scalar, >= 0

    Returns
    -------
    dict with ``loss`` (scalar: the sum over members, to minimise), and per member
    (shape (members,)): ``objective`` = CE + beta KL, ``cross_entropy`` (bits, averaged
    over samples and batch) and ``kl`` (bits, summed over the K dims, averaged over the
    batch). Averaging the KL over the dims instead would divide beta by K.
    """
    logits, y, mean = validate.tensor(logits, "logits"), validate.tensor(y, "y"), validate.tensor(mean, "mean")
    if logits.ndim != 4 or mean.ndim != 3 or mean.shape[:2] != (logits.shape[0], logits.shape[2]):
        raise ValueError(f"expected logits (members, samples, batch, classes) and mean (members, batch, K), "
                         f"got {tuple(logits.shape)} and {tuple(mean.shape)}")
    samples, batch = logits.shape[1:3]
    if y.shape != (batch,):
        raise ValueError(f"y must have shape ({batch},), got {tuple(y.shape)}")
    beta = validate.member_weights(beta, logits.shape[0], logits)
    ce = ensemble_cross_entropy(logits.flatten(1, 2), y.repeat(samples))
    kl = kl_to_standard_normal(mean, std).mean(dim=1)
    objective = ce + beta * kl
    return {"loss": objective.sum(), "objective": objective, "cross_entropy": ce, "kl": kl}


@torch.no_grad()
def evaluate(model: VIBEnsemble, x: torch.Tensor, y: torch.Tensor, *, samples: int = 12,
             h_y: float | None = None, chunk: int = 250) -> dict[str, np.ndarray]:
    """Test errors and information bounds of every member on (x, y), in one pass.

    Returns arrays of shape (members,):
    ``error_mean`` (decode the posterior mean), ``error_1`` (one sample),
    ``error_S`` (softmax averaged over ``samples`` draws, as Alemi et al. with 12),
    ``i_zx`` = E KL (bits, upper bound on I(Z;X)), ``cross_entropy`` (bits, over the
    draws) and ``i_zy`` = H(Y) - cross_entropy (bits, lower bound on I(Z;Y)), with
    H(Y) of the labels ``y`` unless ``h_y`` is given (bits, >= 0); and ``wrong_S``, a bool
    array (members, n) that marks the examples the ``samples``-draw prediction gets wrong
    (its row means are ``error_S``; see ``error_difference``). ``x`` and ``y`` may be
    tensors or numpy arrays; ``y`` holds integer labels in 0 .. n_classes - 1. ``x`` is
    (n, n_in), shared by all members, or (members, n, n_in), one set of inputs per member
    (each member's adversarial examples, for instance). The inputs are encoded ``chunk``
    at a time (memory); the results do not depend on it.
    """
    if not isinstance(model, VIBEnsemble):
        raise TypeError(f"model must be a VIBEnsemble, got {type(model).__name__}")
    samples, chunk = validate.count(samples, "samples"), validate.count(chunk, "chunk")
    x, y = validate.model_input(x, model, "x"), validate.class_labels(y, model.n_classes)
    n = x.shape[-2] if x.ndim == 3 else len(x)
    if y.shape != (n,):
        raise ValueError(f"y must have shape ({n},) to match x, got {tuple(y.shape)}")
    if h_y is not None:
        h_y = validate.number(h_y, "h_y", low=0)
    model.eval()
    device = next(model.parameters()).device
    x, y = x.to(device), y.to(device)
    mean, std = (torch.cat(parts, dim=1) for parts in zip(*(model.encode(part) for part in x.split(chunk, dim=-2))))
    logits = model.decode_samples(mean, std, samples)
    mean_logits = model.decoder(mean)
    if h_y is None:
        h_y = info.entropy(np.bincount(y.cpu().numpy()) / len(y))
    ce = ensemble_cross_entropy(logits.flatten(1, 2), y.repeat(samples))
    wrong = lambda scores: (scores.argmax(-1) != y).cpu().numpy()  # noqa: E731
    wrong_s = wrong(logits.softmax(-1).mean(1))
    return {"error_mean": wrong(mean_logits).mean(-1), "error_1": wrong(logits[:, 0]).mean(-1),
            "error_S": wrong_s.mean(-1), "wrong_S": wrong_s,
            "i_zx": kl_to_standard_normal(mean, std).mean(1).cpu().numpy(), "cross_entropy": ce.cpu().numpy(),
            "i_zy": h_y - ce.cpu().numpy()}


@torch.no_grad()
def averaged_softmax(model: VIBEnsemble, x: torch.Tensor, member: int, samples: Sequence[int], *,
                     sampler: Callable | None = None, chunk: int = 256, seed: int = 0) -> np.ndarray:
    """The softmax of one member averaged over many draws of z, at several numbers of draws.

    Draws z for every input of ``x`` in chunks of ``chunk`` (so that thousands of draws fit
    in memory), decodes them with member ``member``'s decoder and averages the softmax.
    The averages are nested: the one over S draws uses the first S draws of the longest run.

    Parameters
    ----------
    model : VIBEnsemble
    x : tensor or numpy array (n, n_in)
    member : int
        Which member, 0 .. members - 1.
    samples : sequence of int
        Increasing numbers of draws S, each >= 1.
    sampler : callable, optional
        ``sampler(mean, std, eps)`` builds the draws from standard normal ``eps`` (default
        ``reparameterise``).
    chunk : int
        Draws per pass.
    seed : int
        Seeds the noise (a private generator: global random state is untouched).

    Returns
    -------
    array (len(samples), n, n_classes): for each S, the softmax probabilities averaged over
    S draws; the argmax over the last axis is the S-sample prediction.
    """
    if not isinstance(model, VIBEnsemble):
        raise TypeError(f"model must be a VIBEnsemble, got {type(model).__name__}")
    member = validate.count(member, "member", minimum=0, maximum=model.members - 1)
    samples = validate.integers(samples, "samples", minimum=1, min_length=1)
    if np.any(np.diff(samples) <= 0):
        raise ValueError(f"samples must increase, got {samples.tolist()}")
    sampler = reparameterise if sampler is None else validate.function(sampler, "sampler")
    chunk = validate.count(chunk, "chunk")
    gen = torch.Generator().manual_seed(validate.seed(seed))
    x = validate.model_input(x, model, "x")
    model.eval()
    device = next(model.parameters()).device
    mean, std = (v[member] for v in model.encode(x.to(device)))  # (n, K) each
    noise = model.noise[member, 0, 0]  # 0 for a deterministic member
    total = torch.zeros(len(x), model.n_classes, dtype=torch.float64, device=device)
    averages, drawn = [], 0
    for target in samples:
        while drawn < target:
            draws = min(chunk, target - drawn)
            eps = torch.randn(draws, *mean.shape, generator=gen).to(device) * noise
            z = sampler(mean, std, eps)  # (draws, n, K)
            total += _decode_member(model, z.reshape(-1, z.shape[-1]), member).softmax(-1).reshape(
                draws, len(x), -1).sum(0)
            drawn += draws
        averages.append((total / drawn).cpu().numpy())
    return np.stack(averages)


def _decode_member(model: VIBEnsemble, z: torch.Tensor, member: int) -> torch.Tensor:
    """Logits (rows, classes) of member ``member``'s decoder for latents z (rows, K), without the other members."""
    h = z
    for layer in model.decoder.children():
        if isinstance(layer, BatchedLinear):
            h = torch.addmm(layer.bias[member], h, layer.weight[member])
        else:
            h = ACTIVATIONS[layer.kinds[member]](h)
    return h


def error_difference(wrong_a, wrong_b, *, resamples: int = 2000, seed: int = 0) -> claims.Difference:
    """The difference of the mean error rates of two groups of classifiers tested on the same examples.

    Its standard error covers both sources of noise: which initialisation seeds were
    drawn, and which test examples. A bootstrap resamples, together, the models of each
    group (with replacement) and the examples (with replacement, the same ones for both
    groups, so that examples hard for every model count once per draw); the standard
    error is the standard deviation of the resampled differences.

    Parameters
    ----------
    wrong_a, wrong_b : bool or 0/1 arrays, shapes (models_a, n) and (models_b, n)
        1 where a model errs on an example (e.g. ``evaluate(...)["wrong_S"][rows]``);
        at least 2 models per group, the same n examples (columns) in both.
    resamples : int
        Bootstrap draws.
    seed : int
        Seeds the bootstrap.

    Returns
    -------
    claims.Difference
        mean error of a, of b, their difference (a - b) and its bootstrap standard error;
        ``.interval`` is the 95 % interval (difference +- 1.96 standard errors).
    """
    a, b = (validate.array(v, name, allow_bool=True).astype(np.float64) for v, name in
            ((wrong_a, "wrong_a"), (wrong_b, "wrong_b")))
    for arr, name in ((a, "wrong_a"), (b, "wrong_b")):
        if arr.ndim != 2 or arr.shape[0] < 2 or arr.shape[1] < 1:
            raise ValueError(f"{name} must have shape (models, examples) with at least 2 models, got {arr.shape}")
        if not np.all((arr == 0) | (arr == 1)):
            raise ValueError(f"{name} must hold 0/1 (or bool) marks of errors")
    if a.shape[1] != b.shape[1]:
        raise ValueError(f"wrong_a and wrong_b must cover the same examples, got {a.shape[1]} and {b.shape[1]} columns")
    resamples = validate.count(resamples, "resamples", minimum=2)
    rng = np.random.default_rng(validate.seed(seed))
    n = a.shape[1]
    images = rng.multinomial(n, np.full(n, 1 / n), size=resamples) / n  # (resamples, n) weights
    diffs = np.zeros(resamples)
    for arr, sign in ((a, 1.0), (b, -1.0)):
        models = rng.multinomial(len(arr), np.full(len(arr), 1 / len(arr)), size=resamples) / len(arr)
        diffs += sign * np.einsum("ri,ij,rj->r", models, arr, images)
    # a bootstrap standard error: a normal interval (infinite degrees of freedom)
    return claims.Difference(float(a.mean()), float(b.mean()), float(a.mean() - b.mean()), float(diffs.std(ddof=1)),
                             math.inf)


@torch.no_grad()
def active_dimensions(model: nn.Module, x: torch.Tensor, threshold: float = 0.01) -> np.ndarray:
    """Number of active latent dimensions of each member (Burda et al. 2016).

    Dimension k is active when the posterior mean moves with the input:
    Var_x(mean_k(x)) > ``threshold``. An inactive dimension sits at the prior
    (mean ~ 0, std ~ 1) and carries no information. Returns an int array (members,).
    ``x``: a tensor or numpy array of at least two inputs.
    """
    if not isinstance(model, _GaussianEncoder):
        raise TypeError(f"model must be a VIBEnsemble or a VAEEnsemble, got {type(model).__name__}")
    x = validate.model_input(x, model, "x")
    if len(x) < 2:
        raise ValueError(f"x must hold at least 2 inputs to measure a variance, got {len(x)}")
    threshold = validate.number(threshold, "threshold", low=0)
    model.eval()
    mean, _ = model.encode(x.to(next(model.parameters()).device))
    return (mean.var(dim=1) > threshold).sum(dim=-1).cpu().numpy()


def dimension_order(mean: torch.Tensor, std: torch.Tensor, by: str = "rate") -> torch.Tensor:
    """The latent dimensions of each model in the order a pruning keeps them, first kept first.

    ``by="rate"``: by the bits each dimension carries (``rate_per_dimension``), most first;
    the ranking that keeps what the decoder can use. ``by="variance"``: by the posterior
    variance E_x sigma_k(x)^2, highest first, the ranking of the source article; a dimension
    at the prior has variance 1, the highest a VIB's posterior usually reaches, and carries
    no information, so this ranking keeps the useless dimensions first.

    Parameters
    ----------
    mean, std : tensors of equal shape (..., n, K)
        Posterior means and standard deviations of n inputs (a leading members axis is allowed).
    by : {"rate", "variance"}

    Returns
    -------
    int64 tensor of shape (..., K): dimension indices, the first kept first (ties keep index order).
    """
    mean, std = validate.tensor(mean, "mean"), validate.tensor(std, "std")
    if mean.shape != std.shape or mean.ndim < 2:
        raise ValueError(f"mean and std must have the same shape (..., n, K), got {tuple(mean.shape)} and "
                         f"{tuple(std.shape)}")
    if by == "rate":
        score = rate_per_dimension(mean, std)
    elif by == "variance":
        score = std.square().mean(dim=-2)
    else:
        raise ValueError(f"by must be 'rate' or 'variance', got {by!r}")
    return torch.argsort(score, dim=-1, descending=True, stable=True)


def prune(model: VIBEnsemble, keep) -> VIBEnsemble:
    """A smaller VIB that keeps only some latent dimensions of each member: the network itself shrinks.

    For member m the new bottleneck holds the dimensions ``keep[m]`` of the old one, in that
    order: the encoder's output layer loses the columns of the mean and std of every other
    dimension, and the decoder's first layer loses their rows. Every other weight is copied.
    Decoding with the dimensions left out is decoding them at z_k = 0, the prior's mean.

    Parameters
    ----------
    model : VIBEnsemble
    keep : int array or tensor, shape (members, k), 1 <= k <= K
        Distinct dimension indices per member (e.g. the first k of ``dimension_order``).

    Returns
    -------
    VIBEnsemble with K = k, on the model's device, each member stochastic or not as before.
    """
    if not isinstance(model, VIBEnsemble):
        raise TypeError(f"model must be a VIBEnsemble, got {type(model).__name__}")
    members, k_old = len(model.encoder.seeds), model.k
    keep = validate.array(keep, "keep")
    if not np.issubdtype(keep.dtype, np.integer):
        raise TypeError(f"keep must hold integer dimension indices, got dtype {keep.dtype}")
    if keep.ndim != 2 or keep.shape[0] != members or not 1 <= keep.shape[1] <= k_old:
        raise ValueError(f"keep must have shape ({members}, k) with 1 <= k <= {k_old}, got {keep.shape}")
    if keep.min() < 0 or keep.max() >= k_old:
        raise ValueError(f"keep must hold indices in 0 .. {k_old - 1}, got {keep.min()} to {keep.max()}")
    if any(len(set(row.tolist())) != len(row) for row in keep):
        raise ValueError("keep must not repeat a dimension within a member")
    encoder, decoder = model.encoder.widths, model.decoder.widths
    small = VIBEnsemble(encoder[0], model.n_classes, keep.shape[1], encoder[1:-1], model.encoder.seeds,
                        stochastic=[bool(v) for v in model.noise.flatten().tolist()], decoder_hidden=decoder[1:-1])
    device = next(model.parameters()).device
    small.to(device)
    index = torch.as_tensor(keep, device=device)
    columns = torch.cat([index, index + k_old], dim=1)  # the means, then the stds, of the kept dimensions
    last, first = f"linear{len(encoder) - 1}", "linear1"
    state = dict(model.state_dict())
    for name in (f"encoder.{last}.weight", f"encoder.{last}.bias"):
        value = state[name]
        state[name] = value.gather(2, columns[:, None, :].expand(-1, value.shape[1], -1))
    weight = state[f"decoder.{first}.weight"]
    state[f"decoder.{first}.weight"] = weight.gather(1, index[:, :, None].expand(-1, -1, weight.shape[2]))
    small.load_state_dict(state)
    return small


def accuracy_by_kept(model: VIBEnsemble, order, kept, x, y, *, samples: int = 12) -> np.ndarray:
    """Test accuracy of the smaller models that keep the first k dimensions of ``order``, for each k in ``kept``.

    Parameters
    ----------
    model : VIBEnsemble
    order : int array or tensor (members, K)
        Each member's dimensions in the order a pruning keeps them (e.g. ``dimension_order``).
    kept : sequence of int
        Numbers of dimensions to keep, each in 1 .. K.
    x, y : test inputs (n, n_in) and labels (n,)
    samples : int
        Draws of z averaged by each prediction (as ``evaluate``'s ``error_S``).

    Returns
    -------
    array (len(kept), members): the accuracy (1 - error_S) of each ``prune(model, order[:, :k])``.
    """
    order = validate.array(order, "order")
    kept = validate.integers(kept, "kept", minimum=1, maximum=order.shape[-1] if order.ndim == 2 else None,
                             min_length=1)
    return np.stack([1.0 - evaluate(prune(model, order[:, :k]), x, y, samples=samples)["error_S"] for k in kept])


def rate_per_dimension(mean: torch.Tensor, std: torch.Tensor) -> torch.Tensor:
    """The rate of each latent dimension: KL(N(mean_k, std_k^2) || N(0, 1)) averaged over the data, in bits.

    Parameters
    ----------
    mean, std : tensors of equal shape (..., n, K)
        Posterior means and standard deviations of n inputs (a leading members axis is allowed).

    Returns
    -------
    tensor of shape (..., K): the bits each dimension carries on average. They sum to the
    rate E_x KL(q(z|x) || N(0, I)), the upper bound on I(Z;X); a dimension at the prior
    carries 0 bits.
    """
    return kl_to_standard_normal(mean[..., None], std[..., None]).mean(dim=-2)


def rate_by_class(kl, labels, n_classes: int) -> np.ndarray:
    """The mean rate of the inputs of each class: the KL to the prior averaged within a class, in bits.

    Parameters
    ----------
    kl : array or tensor (n,)
        KL(q(z|x_i) || N(0, I)) of each input, bits (``kl_to_standard_normal``).
    labels : int array or tensor (n,)
        Class of each input, 0 .. n_classes - 1; every class must occur.
    n_classes : int

    Returns
    -------
    array (n_classes,), bits: entry c is the mean of ``kl`` over the inputs of class c.
    Their average weighted by the class frequencies is the rate E_x KL.
    """
    kl = validate.array(kl, "kl").astype(np.float64)
    n_classes = validate.count(n_classes, "n_classes", minimum=2)
    y = validate.class_labels(labels, n_classes, "labels").cpu().numpy()
    if kl.ndim != 1 or y.shape != kl.shape:
        raise ValueError(f"kl and labels must be 1-D of equal length, got shapes {kl.shape} and {y.shape}")
    validate.finite(kl, "kl")
    counts = np.bincount(y, minlength=n_classes)
    if np.any(counts == 0):
        raise ValueError(f"labels must hold every class 0 .. {n_classes - 1}; missing {np.flatnonzero(counts == 0).tolist()}")
    return np.bincount(y, weights=kl, minlength=n_classes) / counts


@torch.no_grad()
def encoder_information(mean, std, pxy, *, samples: int = 256, seed: int = 0) -> dict[str, np.ndarray]:
    """I(Z;X) and I(Z;Y) in bits of Gaussian encoders of a discrete X, estimated by Monte Carlo, not bounded.

    When X takes finitely many values x with known p(x, y), and p(z|x) = N(mean_x, diag std_x^2),
    the marginal p(z) = sum_x p(x) p(z|x) is a finite mixture whose density can be evaluated,
    so I(Z;X) = E log2 [p(z|x) / p(z)] and I(Z;Y) = E log2 [p(z|y) / p(z)], with
    p(z|y) = sum_x p(x|y) p(z|x), are expectations of computable quantities: averaged over
    ``samples`` draws of z for every x, they converge to the true values (unlike the KL to a
    prior, which only bounds I(Z;X) from above). The standard errors are those of the
    Monte Carlo averages.

    Parameters
    ----------
    mean, std : tensors or arrays (members, |X|, K) or (|X|, K); std > 0
        The posterior of every value of X (row x of ``pxy``).
    pxy : array (|X|, |Y|)
        The joint distribution of X and Y (rows with p(x) = 0 are allowed and ignored).
    samples : int
        Draws of z per value of x.
    seed : int
        Seeds the draws (a private generator).

    Returns
    -------
    dict of arrays (members,) (or floats for 2-D input): ``i_zx``, ``i_zy`` (bits) and their
    Monte Carlo standard errors ``i_zx_se``, ``i_zy_se``.
    """
    mean, std = (validate.tensor(v, n).double() for v, n in ((mean, "mean"), (std, "std")))
    single = mean.ndim == 2
    if single:
        mean, std = mean[None], std[None]
    pxy = info.as_distribution(pxy, "pxy", ndim=2)
    if mean.ndim != 3 or mean.shape != std.shape or mean.shape[1] != pxy.shape[0]:
        raise ValueError(f"mean and std must have shape (members, |X|, K) with |X| = {pxy.shape[0]} rows of pxy, "
                         f"got {tuple(mean.shape)} and {tuple(std.shape)}")
    validate.finite(mean, "mean")
    if not bool((std > 0).all()) or not bool(torch.isfinite(std).all()):
        raise ValueError("std must be finite and positive")
    samples = validate.count(samples, "samples", minimum=2)
    gen = torch.Generator().manual_seed(validate.seed(seed))
    used = pxy.sum(1) > 0
    pxy = torch.from_numpy(pxy[used])
    mean, std = mean[:, torch.from_numpy(used)].cpu(), std[:, torch.from_numpy(used)].cpu()
    px, py = pxy.sum(1), pxy.sum(0)
    p_y_given_x = pxy / px[:, None]  # (X, Y)
    p_x_given_y = torch.where(py > 0, pxy / torch.where(py > 0, py, 1.0), 0.0)  # (X, Y); 0 for labels never seen
    members, n_x, k = mean.shape
    out = {name: np.zeros(members) for name in ("i_zx", "i_zx_se", "i_zy", "i_zy_se")}
    for m in range(members):
        mu, precision = mean[m], std[m].pow(-2)  # (X, K)
        z = mu[:, None] + std[m][:, None] * torch.randn(n_x, samples, k, generator=gen, dtype=torch.float64)
        # log p(z | x') for every draw z (of every x) and every x': (X, S, X'), by expanding the squares
        squares = (z.square() @ precision.T - 2 * z @ (mu * precision).T + (mu.square() * precision).sum(-1))
        log_q = -0.5 * squares - torch.log(std[m]).sum(-1) - 0.5 * k * math.log(2 * math.pi)
        log_pz = torch.logsumexp(log_q + torch.log(px), dim=-1)  # (X, S)
        own = torch.diagonal(log_q, dim1=0, dim2=2).T  # (X, S): log p(z | x) at the draw's own x
        top = log_q.max(dim=-1, keepdim=True).values
        pz_given_y = torch.exp(log_q - top) @ p_x_given_y  # (X, S, Y), times exp(-top)
        # p(y|x) > 0 implies p(x|y) > 0, and the draw's own x keeps p(z|y) > 0 where it is weighed
        log_pz_given_y = torch.where(p_y_given_x[:, None] > 0, torch.log(pz_given_y) + top, 0.0)
        per_draw = {"i_zx": (own - log_pz) / _LN2,
                    "i_zy": ((p_y_given_x[:, None] * log_pz_given_y).sum(-1) - log_pz) / _LN2}
        for name, values in per_draw.items():
            out[name][m] = float((px * values.mean(-1)).sum())
            out[name + "_se"][m] = float(torch.sqrt((px.square() * values.var(-1) / samples).sum()))
    return {name: float(v[0]) for name, v in out.items()} if single else out


class VAEEnsemble(_GaussianEncoder):
    """beta-VAEs: MLP encoder -> (mean, std) of K Gaussian dims -> MLP decoder -> a categorical per pixel.

    Each pixel takes one of ``levels`` grey levels 0, 1/(levels-1), ..., 1 (the digits have
    17: the integers 0..16 divided by 16), and the decoder gives, for every pixel, logits of
    a categorical distribution over those levels. Its cross-entropy is then an exact code
    length of the image in bits. ``hidden`` gives the encoder's hidden widths; the decoder
    mirrors them.
    """

    def __init__(self, n_in: int, k: int, hidden: Sequence[int], seeds: Sequence[int], levels: int = 17):
        super().__init__(n_in, k, hidden, seeds)
        self.n_in, self.levels = n_in, validate.count(levels, "levels", minimum=2)
        self.decoder = MLPEnsemble([k, *reversed(hidden), n_in * levels], ["relu"] * len(seeds),
                                   [s + 500 for s in seeds])

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        """Pixel logits (members, batch, n_in, levels) for latents z (members, batch, K)."""
        return self.decoder(z).unflatten(-1, (self.n_in, self.levels))

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """Pixel logits (members, batch, n_in, levels) of one reparameterised sample, with the mean and std."""
        mean, std = self.encode(x)
        return self.decode(reparameterise(mean, std, torch.randn_like(mean))), mean, std

    def reconstruct(self, x: torch.Tensor) -> torch.Tensor:
        """The expected grey level (members, batch, n_in), in [0, 1], decoded from the posterior mean."""
        probabilities = self.decode(self.encode(x)[0]).softmax(-1)
        return probabilities @ torch.linspace(0.0, 1.0, self.levels, device=probabilities.device)


def pixel_levels(x: torch.Tensor, levels: int) -> torch.Tensor:
    """The grey-level index (int64, same shape) of pixels x in [0, 1] that lie on the grid k / (levels - 1).

    Raises ValueError when a pixel is off the grid (a categorical likelihood needs exact levels).
    """
    scaled = x * (levels - 1)
    index = torch.round(scaled)
    on_grid = ((scaled - index).abs() <= 1e-3) & (index >= 0) & (index <= levels - 1)  # False for NaN
    if not bool(on_grid.all()):
        raise ValueError(f"x must hold grey levels k / {levels - 1} for k = 0 .. {levels - 1} (found NaN or "
                         "values off that grid)")
    return index.long()


def vae_loss(pixel_logits: torch.Tensor, x: torch.Tensor, mean: torch.Tensor, std: torch.Tensor,
             beta: torch.Tensor) -> dict[str, torch.Tensor]:
    """The beta-VAE loss in bits: distortion + beta * rate, per member.

    ``distortion`` is the code length of the image under the decoder: the sum over pixels
    of -log2 q(level | z), averaged over the batch (bits per image); ``rate`` is
    KL(q(z|x) || N(0, I)) (bits per image, an upper bound on I(Z;X)). Their sum is the
    negative ELBO in bits. Shapes: ``pixel_logits`` (members, batch, pixels, levels);
    ``x`` (batch, pixels), grey levels k / (levels - 1); the rest as in ``vib_loss``.
    Returns ``loss`` (scalar, summed over members), and per member ``objective``,
    ``distortion`` and ``rate``.
    """
    pixel_logits, x, mean = (validate.tensor(v, n) for v, n in ((pixel_logits, "pixel_logits"), (x, "x"), (mean, "mean")))
    if pixel_logits.ndim != 4 or x.shape != pixel_logits.shape[1:3] or mean.shape[:2] != pixel_logits.shape[:2]:
        raise ValueError(f"expected pixel_logits (members, batch, pixels, levels), x (batch, pixels) and mean "
                         f"(members, batch, K), got {tuple(pixel_logits.shape)}, {tuple(x.shape)} and {tuple(mean.shape)}")
    beta = validate.member_weights(beta, pixel_logits.shape[0], pixel_logits)
    index = pixel_levels(x, pixel_logits.shape[-1])
    log_q = pixel_logits.log_softmax(-1).gather(-1, index.expand(*pixel_logits.shape[:-1])[..., None])[..., 0]
    distortion = -log_q.sum(-1).mean(-1) / _LN2
    rate = kl_to_standard_normal(mean, std).mean(dim=1)
    objective = distortion + beta * rate
    return {"loss": objective.sum(), "objective": objective, "distortion": distortion, "rate": rate}


def _betas(schedules: Sequence, epoch: int) -> torch.Tensor:
    return torch.tensor([float(schedule(epoch)) for schedule in schedules])


def classifier_objective(schedules: Sequence, samples: int = 1, loss: Callable | None = None):
    """A ``loss_fn`` for ``training.train``: the VIB loss with member m's beta from ``schedules[m](epoch)``.

    ``schedules`` holds one callable per member (see ``ibcourse.schedules``); ``samples``
    draws of z per example (Alemi et al. train with 1).

    ``loss``, if given, replaces ``vib_loss`` by a loss of one model (a learner's, as in
    exercise 4.3), called for each member m as ``loss(logits, y, mean, std, beta)`` with
    ``logits`` (samples * batch, classes), ``y`` (samples * batch,), ``mean`` and ``std``
    (batch, K) and ``beta`` a float; it returns that member's scalar loss in bits, and the
    members' losses are summed.
    """
    schedules = validate.functions(schedules, "schedules", "one per member, e.g. schedules.Constant(beta)")
    samples = validate.count(samples, "samples", minimum=0)

    def loss_fn(model: VIBEnsemble, x: torch.Tensor, y: torch.Tensor, epoch: int) -> dict[str, torch.Tensor]:
        validate.one_per_member(schedules, model.members, "schedules")
        logits, mean, std = model(x, samples=samples)
        betas = _betas(schedules, epoch)
        if loss is None:
            return vib_loss(logits, y, mean, std, betas.to(x.device))
        labels = y.repeat(samples)
        parts = [loss(logits[m].flatten(0, 1), labels, mean[m], std[m], float(beta)) for m, beta in enumerate(betas)]
        return {"loss": torch.stack(parts).sum()}
    return loss_fn


def autoencoder_objective(schedules: Sequence):
    """A ``loss_fn`` for ``training.train``: the beta-VAE loss with member m's beta from ``schedules[m](epoch)``.

    The labels passed by the training loop are ignored.
    """
    schedules = validate.functions(schedules, "schedules", "one per member, e.g. schedules.Constant(beta)")

    def loss_fn(model: VAEEnsemble, x: torch.Tensor, y: torch.Tensor, epoch: int) -> dict[str, torch.Tensor]:
        validate.one_per_member(schedules, model.members, "schedules")
        pixel_logits, mean, std = model(x)
        return vae_loss(pixel_logits, x, mean, std, _betas(schedules, epoch).to(x.device))
    return loss_fn


#: Test errors published by Alemi et al. (2017, table 1) for permutation-invariant MNIST.
PUBLISHED_MNIST_ERRORS = {"deterministic": 0.0138, "vib": 0.0113}

def alemi_recipe(images, *, epochs: int = 200, beta: float = 1e-3, k: int = 256, hidden: Sequence[int] = (1024, 1024),
                 samples: int = 12, progress: bool = True) -> dict[str, float]:
    """Train the VIB of Alemi et al. (2017) and a deterministic twin; return their test errors.

    The recipe: an MLP encoder (784-1024-1024-2K, ReLU), K = 256, a linear decoder,
    beta = 1e-3, Adam with learning rate 1e-4 and first-moment decay 0.5, the learning
    rate multiplied by 0.97 every 2 epochs, batch 100, 200 epochs, and the softmax
    averaged over 12 posterior samples at test time. The deterministic network has the
    same layers, with z = mean and no KL. ``alemi_hours`` estimates how long it takes.

    Parameters
    ----------
    images : data.ImageData
        MNIST from ``data.load("mnist")`` for the paper's setting.
    epochs, beta, k, hidden, samples
        The recipe's values by default; smaller ones for a quick run.

    Returns
    -------
    dict with ``vib`` and ``deterministic`` test errors (fractions), and ``seconds`` of training.
    """
    if not isinstance(images, data.ImageData):
        raise TypeError(f"images must be a data.ImageData (e.g. data.load('mnist')), got {type(images).__name__}")
    model = VIBEnsemble(images.x_train.shape[1], images.n_classes, k, hidden, seeds=[0, 1], stochastic=[True, False])
    history = training.train(model, images.x_train, images.y_train,
                             classifier_objective([schedules.Constant(beta), schedules.Constant(0.0)]), epochs=epochs,
                             batch_size=100, lr=1e-4, lr_decay=0.97 ** 0.5, adam_betas=(0.5, 0.999), progress=progress,
                             desc="Alemi et al. recipe")
    result = evaluate(model, images.x_test, images.y_test, samples=samples)
    return {"vib": float(result["error_S"][0]), "deterministic": float(result["error_mean"][1]),
            "seconds": history.seconds}


def alemi_hours(*, n_train: int = 2000, epochs: int = 200, progress: bool = False) -> float:
    """Hours that ``alemi_recipe`` would train for on MNIST (60000 images), on this machine, estimated.

    Trains the recipe's two networks for one epoch on ``n_train`` random images of MNIST's
    shape (784 pixels, 10 classes; the cost of a step does not depend on the pixel values)
    on ``training.default_device()``, and scales the seconds to 60000 images and ``epochs``.
    Takes about n_train / 60000 of an epoch's time (about a second on a 2-core CPU).
    """
    n_train = validate.count(n_train, "n_train", minimum=100)
    epochs = validate.count(epochs, "epochs")
    gen = torch.Generator().manual_seed(0)
    x = torch.rand(n_train + 100, 784, generator=gen)
    y = torch.randint(0, 10, (n_train + 100,), generator=gen)
    stand_in = data.ImageData(x[:n_train], y[:n_train], x[n_train:], y[n_train:], image_shape=(28, 28), n_classes=10,
                              source="random stand-in of MNIST's shape")
    seconds = alemi_recipe(stand_in, epochs=1, samples=1, progress=progress)["seconds"]
    return seconds * (60_000 / n_train) * epochs / 3600


@dataclass
class BetaSweep:
    """A trained ``VIBEnsemble`` with one member per (beta, seed), and what ``evaluate`` measured.

    ``betas`` and ``seeds`` have one entry per member (beta 0 marks a deterministic
    baseline: z = mean, no noise, no KL); ``train`` and ``test`` are ``evaluate``'s
    results on the training and test sets (arrays over members); ``history`` is the
    training loop's; ``parameters`` the trainable parameters of one member.
    """

    model: VIBEnsemble
    betas: np.ndarray
    seeds: np.ndarray
    history: training.History
    train: dict[str, np.ndarray]
    test: dict[str, np.ndarray]
    parameters: int

    def by_beta(self, values) -> np.ndarray:
        """The VIB members' rows of ``values`` (first axis: members), as (betas, seeds, ...), betas increasing."""
        values = np.asarray(values)
        grid = np.unique(self.betas[self.betas > 0])
        rows = [np.flatnonzero(self.betas == b) for b in grid]
        if len({len(r) for r in rows}) != 1:
            raise ValueError("every beta needs the same number of seeds to be arranged as (betas, seeds)")
        return np.stack([values[r] for r in rows])

    @property
    def deterministic(self) -> np.ndarray:
        """Boolean mask of the deterministic members."""
        return self.betas == 0


def beta_sweep(x_train, y_train, x_test, y_test, *, n_classes: int, betas: Sequence[float], seeds: Sequence[int],
               deterministic_seeds: Sequence[int], k: int, hidden: Sequence[int] = (), body: Callable | None = None,
               epochs: int, batch_size: int = 100, lr: float = 1e-3, samples: int = 12,
               on_epoch: training.EpochCallback | None = None, device=None, progress: bool = True,
               desc: str = "beta sweep") -> BetaSweep:
    """Train VIB classifiers for every beta and seed, and deterministic twins, together in one ensemble.

    Members are ``(beta, seed)`` for every beta of ``betas`` (each > 0) and seed of ``seeds``,
    then ``(0, seed)`` for every seed of ``deterministic_seeds`` (z = mean, no noise, no KL);
    member i is initialised from seed ``100 * seed + i``. The loss is ``vib_loss`` (bits),
    minimised with Adam on minibatches in one order for all (``training.train``).

    Parameters
    ----------
    x_train, y_train, x_test, y_test : tensors or numpy arrays
        Inputs (n, n_in) (images flattened, or token ids) and integer labels (n,).
    n_classes, k : int
        Classes; bottleneck dimension K.
    betas, seeds, deterministic_seeds : sequences
        The grid (betas > 0; integer seeds; at least one member in all).
    hidden : sequence of int
        Hidden widths of the MLP between the inputs (or the body's features) and (mean, std).
    body : callable, optional
        ``body(member_seeds)`` builds the ensemble network in front of the MLP
        (``models.ConvEnsemble`` for a convolutional VIB, ``models.TransformerEnsemble``).
    epochs, batch_size, lr, on_epoch, device, progress, desc
        As in ``training.train``.
    samples : int
        Posterior samples of ``evaluate``'s S-sample error.
    """
    betas = [validate.number(b, "betas", low=0, low_open=True) for b in validate.sequence(betas, "betas")]
    seeds = [validate.seed(s, f"seeds[{i}]") for i, s in enumerate(validate.sequence(seeds, "seeds"))]
    det_seeds = [validate.seed(s, f"deterministic_seeds[{i}]")
                 for i, s in enumerate(validate.sequence(deterministic_seeds, "deterministic_seeds"))]
    members = [(b, s) for b in betas for s in seeds] + [(0.0, s) for s in det_seeds]
    if not members:
        raise ValueError("betas x seeds and deterministic_seeds give no member to train (all empty)")
    member_seeds = [100 * s + i for i, (_, s) in enumerate(members)]
    x_train = validate.tensor(x_train, "x_train")
    if x_train.ndim != 2:
        raise ValueError(f"x_train must have shape (n, n_in), got {tuple(x_train.shape)}")
    network = None if body is None else validate.function(body, "body", "body(seeds) -> ensemble network")(member_seeds)
    model = VIBEnsemble(x_train.shape[1], n_classes, k, hidden, member_seeds, stochastic=[b > 0 for b, _ in members],
                        body=network)
    history = training.train(model, x_train, y_train, classifier_objective([schedules.Constant(b) for b, _ in members]),
                             epochs=epochs, batch_size=batch_size, lr=lr, on_epoch=on_epoch, device=device,
                             progress=progress, desc=desc)
    return BetaSweep(model, np.array([b for b, _ in members]), np.array([s for _, s in members]), history,
                     evaluate(model, x_train, y_train, samples=samples), evaluate(model, x_test, y_test, samples=samples),
                     models.parameter_count(model, len(members)))
