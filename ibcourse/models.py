"""Networks of the course (torch).

``MLPEnsemble``          several independent MLPs of the same widths, trained at once, each member
                         with its own seed, nonlinearity and (optionally) its own compression
                         mechanism: Gaussian noise, dropout, k-bit quantisation, batch normalisation
``ConvEnsemble``         several small CNNs (3 x 3 convolutions, ReLU, 2 x 2 pooling) at once
``TransformerEnsemble``  several tiny transformer encoders with a CLS token, at once
``quantise``             activations in [-1, 1] rounded to 2**bits levels
``add_noise``            Gaussian noise of one standard deviation per member
``l2_penalty``           each member's sum of squared weights (for weight decay as a loss term)
(the Deep VIB and the beta-VAE, built from ``MLPEnsemble``, are in ``ibcourse.vib``)
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import numpy as np
import torch
from torch import nn

from ibcourse import validate

ACTIVATIONS = {"tanh": torch.tanh, "relu": torch.relu}


def _check_kinds(kinds: Sequence[str], name: str) -> list[str]:
    kinds = validate.names(kinds, name)
    unknown = set(kinds) - set(ACTIVATIONS)
    if unknown:
        raise ValueError(f"{name}: unknown activation(s) {sorted(unknown)}; expected one of {sorted(ACTIVATIONS)}")
    return kinds


class MemberActivation(nn.Module):
    """Applies each member's own nonlinearity to its slice of a batched (members, batch, units) tensor."""

    def __init__(self, kinds: Sequence[str]):
        super().__init__()
        self.kinds = tuple(_check_kinds(kinds, "kinds"))
        # runs of equal kinds, so that [tanh, tanh, relu, relu] costs two calls, not four
        self._runs = []
        for i, kind in enumerate(self.kinds):
            if self._runs and self._runs[-1][0] == kind:
                self._runs[-1][2] = i + 1
            else:
                self._runs.append([kind, i, i + 1])

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if len(self._runs) == 1:
            return ACTIVATIONS[self.kinds[0]](x)
        # split (one view op, one cat in the backward pass) rather than a slice per run
        pieces = x.split([b - a for _, a, b in self._runs])
        return torch.cat([ACTIVATIONS[kind](piece) for (kind, _, _), piece in zip(self._runs, pieces)])

    def extra_repr(self) -> str:
        return ", ".join(self.kinds)


class BatchedLinear(nn.Module):
    """One affine layer per member: (members, batch, in) -> (members, batch, out).

    Initialised like ``nn.Linear`` (uniform in +-1/sqrt(in) for weights and biases),
    each member from its own seed.
    """

    def __init__(self, n_in: int, n_out: int, seeds: Sequence[int]):
        super().__init__()
        n_in, n_out = validate.count(n_in, "n_in"), validate.count(n_out, "n_out")
        seeds = validate.counts(seeds, "seeds", minimum=0)
        bound = 1 / math.sqrt(n_in)
        weights, biases = [], []
        for seed in seeds:
            gen = torch.Generator().manual_seed(seed)
            weights.append(torch.empty(n_in, n_out).uniform_(-bound, bound, generator=gen))
            biases.append(torch.empty(1, n_out).uniform_(-bound, bound, generator=gen))
        self.weight = nn.Parameter(torch.stack(weights))
        self.bias = nn.Parameter(torch.stack(biases))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.baddbmm(self.bias, x, self.weight)

    def extra_repr(self) -> str:
        members, n_in, n_out = self.weight.shape
        return f"members={members}, in={n_in}, out={n_out}"


# ----------------------------------------------------------------------------
# Compression mechanisms, one setting per member (0 or False: the member is left alone)
# ----------------------------------------------------------------------------
def quantise(t: torch.Tensor, bits) -> torch.Tensor:
    """Activations in [-1, 1] rounded to the nearest of 2**bits equally spaced levels from -1 to 1.

    Level j (j = 0 .. 2**bits - 1) is -1 + 2 j / (2**bits - 1): 1 bit keeps the sign
    (levels -1 and 1), 2 bits give -1, -1/3, 1/3, 1. Values outside [-1, 1] are first
    clipped to it. A layer of u units quantised to k bits takes at most 2**(k u) values,
    so that I(X;T) <= k u bits.

    Parameters
    ----------
    t : tensor (or numpy array), any shape, finite
    bits : int >= 1, or an integer tensor broadcastable against ``t`` (each entry >= 1)

    Returns
    -------
    tensor of t's shape and floating dtype, on the levels exactly (no gradient: see
    ``MemberQuantise`` for the straight-through version used in training).
    """
    t = validate.tensor(t, "t")
    if not t.is_floating_point():
        raise TypeError(f"t must hold floating-point activations, got dtype {t.dtype}")
    validate.finite(t, "t")
    if isinstance(bits, torch.Tensor):
        if bits.is_floating_point() or bits.dtype == torch.bool or bool((bits < 1).any()):
            raise ValueError(f"bits must hold integers >= 1, got {bits.tolist()}")
        steps = (2 ** bits.to(torch.int64) - 1).to(t.dtype)
    else:
        steps = float(2 ** validate.count(bits, "bits") - 1)
    return _round_to_levels(t, steps)


def _round_to_levels(t: torch.Tensor, steps) -> torch.Tensor:
    """``quantise`` without the checks (every training step calls it): ``steps`` = 2**bits - 1."""
    return torch.round((t.clamp(-1.0, 1.0) + 1) / 2 * steps) * 2 / steps - 1


def add_noise(h: torch.Tensor, std: torch.Tensor) -> torch.Tensor:
    """``h`` plus independent Gaussian noise of standard deviation ``std[m]`` on member m's slice.

    Parameters
    ----------
    h : tensor (members, batch, units)
    std : tensor (members,), >= 0 (0: that member's slice comes back unchanged)

    Returns
    -------
    tensor of h's shape: h + std[m] * eps with eps ~ N(0, 1), fresh on every call;
    gradients pass to h unchanged.
    """
    return h + std[:, None, None] * torch.randn_like(h)


def _per_member(values, members: int, name: str, default) -> list:
    if values is None:
        return [default] * members
    values = validate.sequence(values, name)
    if len(values) != members:
        raise ValueError(f"{name} needs one entry per member ({members}), got {len(values)}")
    return values


def _runs(flags: Sequence[bool]) -> list[tuple[int, int]]:
    """The contiguous ranges [a, b) of members whose flag is set."""
    runs: list[list[int]] = []
    for i, flag in enumerate(flags):
        if flag and runs and runs[-1][1] == i:
            runs[-1][1] = i + 1
        elif flag:
            runs.append([i, i + 1])
    return [(a, b) for a, b in runs]


class _MemberMechanism(nn.Module):
    """A module that acts on the members whose flag is set and passes the others through untouched.

    Subclasses define ``apply(h, members)``, given the active members' slice of h and the
    ``slice`` of member indices it covers. Only those slices are computed (the others are
    copied once), so a mechanism used by a few members costs little.
    """

    def __init__(self, flags: Sequence[bool]):
        super().__init__()
        self._active = _runs(flags)
        self._members = len(flags)
        # the members cut into alternating runs: (slice, active?) covering 0 .. members
        self._pieces, start = [], 0
        for a, b in self._active:
            if a > start:
                self._pieces.append((slice(start, a), False))
            self._pieces.append((slice(a, b), True))
            start = b
        if start < self._members:
            self._pieces.append((slice(start, self._members), False))

    def apply(self, h: torch.Tensor, members: slice) -> torch.Tensor:
        raise NotImplementedError

    def forward(self, h: torch.Tensor) -> torch.Tensor:
        if len(self._pieces) == 1:
            members, active = self._pieces[0]
            return self.apply(h, members) if active else h
        # split (one view op, one cat in the backward pass) rather than a slice per run
        parts = h.split([members.stop - members.start for members, _ in self._pieces])
        return torch.cat([self.apply(part, members) if active else part
                          for part, (members, active) in zip(parts, self._pieces)])


class MemberNoise(_MemberMechanism):
    """Adds Gaussian noise of a standard deviation of its own to each member's slice, in training and in
    evaluation alike: the noisy network is noisy when it is tested too (Goldfeld et al. 2019).

    ``noise_fn(h, std)`` draws it (default ``add_noise``; a learner's version can be passed).
    Members with a standard deviation of 0 are passed through untouched.
    """

    def __init__(self, stds: Sequence[float], noise_fn: Callable | None = None):
        super().__init__([s > 0 for s in stds])
        self.register_buffer("std", torch.tensor([float(s) for s in stds], dtype=torch.float32))
        self.noise_fn = add_noise if noise_fn is None else validate.function(noise_fn, "noise_fn", "noise_fn(h, std)")

    def apply(self, h: torch.Tensor, members: slice) -> torch.Tensor:
        return self.noise_fn(h, self.std[members])

    def extra_repr(self) -> str:
        return "std=" + ", ".join(f"{s:g}" for s in self.std.tolist())


class MemberDropout(_MemberMechanism):
    """Inverted dropout with a rate of its own per member, in training only (the identity in evaluation)."""

    def __init__(self, rates: Sequence[float]):
        super().__init__([r > 0 for r in rates])
        self.register_buffer("keep", 1 - torch.tensor([float(r) for r in rates], dtype=torch.float32)[:, None, None])

    def forward(self, h: torch.Tensor) -> torch.Tensor:
        return super().forward(h) if self.training else h

    def apply(self, h: torch.Tensor, members: slice) -> torch.Tensor:
        keep = self.keep[members]
        return h * (torch.rand_like(h) < keep) / keep

    def extra_repr(self) -> str:
        return "rate=" + ", ".join(f"{1 - k:g}" for k in self.keep.ravel().tolist())


class MemberQuantise(_MemberMechanism):
    """Rounds member m's activations to 2**bits[m] levels on [-1, 1] (``quantise``); bits 0: left alone.

    In the forward pass the values are exactly on the levels; in the backward pass the
    gradient goes through as if the rounding were the identity (the straight-through
    estimator), so that the network still trains.
    """

    def __init__(self, bits: Sequence[int]):
        super().__init__([b > 0 for b in bits])
        bits = torch.tensor([int(b) for b in bits])
        self.register_buffer("bits", bits)
        self.register_buffer("steps", (2.0 ** bits.clamp(min=1) - 1)[:, None, None])

    def apply(self, h: torch.Tensor, members: slice) -> torch.Tensor:
        rounded = _round_to_levels(h.detach(), self.steps[members].to(h.dtype))
        return rounded + (h - h.detach())  # exactly `rounded` in value (h - h.detach() == 0); d/dh = 1

    def extra_repr(self) -> str:
        return "bits=" + ", ".join(str(b) for b in self.bits.tolist())


class MemberBatchNorm(_MemberMechanism):
    """Batch normalisation per unit of the members that ask for it; the identity on the others.

    Training mode: each unit is standardised with the mean and variance over the batch,
    then scaled by ``gain`` and shifted by ``shift`` (learnt, one per member and unit); a
    running mean and variance (momentum 0.1, unbiased variance) are kept, as in
    ``nn.BatchNorm1d``. Evaluation mode: the running statistics are used, so that the
    layer is a fixed affine map per unit, t -> gain (t - mean) / sqrt(var + eps) + shift,
    invertible while the gain is not 0 (``affine`` returns it).
    """

    def __init__(self, flags: Sequence[bool], units: int, eps: float = 1e-5, momentum: float = 0.1):
        super().__init__(flags)
        members = len(flags)
        self.eps, self.momentum = eps, momentum
        self.gain = nn.Parameter(torch.ones(members, 1, units))
        self.shift = nn.Parameter(torch.zeros(members, 1, units))
        self.register_buffer("running_mean", torch.zeros(members, 1, units))
        self.register_buffer("running_var", torch.ones(members, 1, units))

    def apply(self, h: torch.Tensor, members: slice) -> torch.Tensor:
        if self.training:
            n = h.shape[1]
            if n < 2:
                raise ValueError(f"batch normalisation needs at least 2 examples per batch in training, got {n}")
            var, mean = torch.var_mean(h, dim=1, keepdim=True, correction=0)
            with torch.no_grad():
                self.running_mean[members].lerp_(mean, self.momentum)
                self.running_var[members].lerp_(var * n / (n - 1), self.momentum)
        else:
            mean, var = self.running_mean[members], self.running_var[members]
        return (h - mean) * (self.gain[members] * torch.rsqrt(var + self.eps)) + self.shift[members]

    def affine(self) -> tuple[torch.Tensor, torch.Tensor]:
        """The evaluation-mode map as t -> scale * t + offset: ``scale``, ``offset`` of shape (members, 1, units).

        Members without batch normalisation get scale 1 and offset 0."""
        scale = self.gain / torch.sqrt(self.running_var + self.eps)
        offset = self.shift - scale * self.running_mean
        on = torch.zeros(len(scale), 1, 1, dtype=torch.bool, device=scale.device)
        for a, b in self._active:
            on[a:b] = True
        return torch.where(on, scale, 1.0).detach(), torch.where(on, offset, 0.0).detach()


class MLPEnsemble(nn.Module):
    """Independent fully connected networks of equal widths, evaluated in one batched pass.

    Member m has its own weights, initialised from ``seeds[m]``, and its own hidden
    nonlinearity ``activations[m]``. The members share nothing but the input (and,
    in training, the minibatch order); since the loss is a sum over members and Adam
    updates every weight on its own, training them together gives each one the
    result it would get alone, at about the cost of one small network on a CPU.

    Each member may also carry one or more compression mechanisms, set per member (the
    default leaves every member a plain network). Hidden layer k computes, in this order,

        linear{k} -> act{k} -> quant{k} -> norm{k} -> noise{k} -> drop{k}

    where a module exists only when some member uses it, and is the identity for the
    members that do not. ``hidden_layers`` names the last deterministic module of each
    layer (act, quant or norm): its output is the layer's representation T, recorded
    before the noise (whose information is then known in closed form) and the dropout.

    Parameters
    ----------
    widths : sequence of int
        Units per layer, input first: ``(12, 10, 7, 5, 4, 3, 2)``; integers >= 1, at least two.
    activations : sequence of str
        One of ``"tanh"``/``"relu"`` per member.
    seeds : sequence of int
        One initialisation seed per member (integers in [0, 2**32)), same length as ``activations``.
    noise : sequence of float, optional
        Per member, the standard deviation (>= 0, in activation units) of Gaussian noise
        added after the hidden layers listed in ``noise_layers``, in training and in
        evaluation (``MemberNoise``).
    noise_layers : sequence of int, optional
        The hidden layers (1 = the first) that get the noise; default: all.
    dropout : sequence of float, optional
        Per member, the dropout rate in [0, 1) of every hidden layer, in training only.
    quantise_bits : sequence of int, optional
        Per member, 0 (off) or the bits (>= 1) to which every hidden activation is rounded
        (``quantise``, levels on [-1, 1]: tanh members only).
    batch_norm : sequence of bool, optional
        Per member, whether every hidden layer is batch-normalised after its nonlinearity.
    noise_fn : callable, optional
        ``noise_fn(h, std)`` draws the noise (default ``add_noise``).

    Input (batch, widths[0]), the same for every member, or (members, batch, widths[0]),
    a tensor or a numpy array of real numbers (cast to the weights' dtype, float32);
    output (members, batch, widths[-1]), without a nonlinearity after the last layer.
    """

    def __init__(self, widths: Sequence[int], activations: Sequence[str], seeds: Sequence[int], *,
                 noise: Sequence[float] | None = None, noise_layers: Sequence[int] | None = None,
                 dropout: Sequence[float] | None = None, quantise_bits: Sequence[int] | None = None,
                 batch_norm: Sequence[bool] | None = None, noise_fn: Callable | None = None):
        super().__init__()
        widths = validate.counts(widths, "widths", min_length=2)
        activations = _check_kinds(activations, "activations")
        seeds = validate.seeds(seeds)
        if len(activations) != len(seeds):
            raise ValueError(f"activations and seeds need one entry per member, got {len(activations)} and {len(seeds)}")
        members, hidden = len(seeds), len(widths) - 2
        noise = [validate.number(s, f"noise[{i}]", low=0) for i, s in enumerate(_per_member(noise, members, "noise", 0.0))]
        dropout = [validate.number(r, f"dropout[{i}]", low=0, high=1, high_open=True)
                   for i, r in enumerate(_per_member(dropout, members, "dropout", 0.0))]
        bits = [validate.count(b, f"quantise_bits[{i}]", minimum=0, maximum=24)
                for i, b in enumerate(_per_member(quantise_bits, members, "quantise_bits", 0))]
        batch_norm = (validate.flags(batch_norm, "batch_norm", members) if batch_norm is not None
                      else [False] * members)
        noise_layers = (list(range(1, hidden + 1)) if noise_layers is None else
                        [validate.count(k, f"noise_layers[{i}]", maximum=hidden)
                         for i, k in enumerate(validate.sequence(noise_layers, "noise_layers", min_length=1))])
        relu_quantised = [m for m in range(members) if bits[m] and activations[m] != "tanh"]
        if relu_quantised:
            raise ValueError(f"quantise_bits: members {relu_quantised} are not tanh; the levels lie on [-1, 1], "
                             "the range of tanh")
        self.widths = tuple(widths)
        self.activations = tuple(activations)
        self.seeds = tuple(seeds)
        self.noise, self.dropout, self.quantise_bits = tuple(noise), tuple(dropout), tuple(bits)
        self.batch_norm, self.noise_layers = tuple(batch_norm), tuple(sorted(set(noise_layers)))
        self._hidden: list[str] = []
        for k, (n_in, n_out) in enumerate(zip(widths[:-1], widths[1:]), start=1):
            self.add_module(f"linear{k}", BatchedLinear(n_in, n_out, [1000 * s + k for s in seeds]))
            if k == hidden + 1:
                break  # the output layer: no nonlinearity
            self.add_module(f"act{k}", MemberActivation(activations))
            representation = f"act{k}"
            if any(bits):
                self.add_module(f"quant{k}", MemberQuantise(bits))
                representation = f"quant{k}"
            if any(batch_norm):
                self.add_module(f"norm{k}", MemberBatchNorm(batch_norm, n_out))
                representation = f"norm{k}"
            self._hidden.append(representation)
            if any(noise) and k in self.noise_layers:
                self.add_module(f"noise{k}", MemberNoise(noise, noise_fn))
            if any(dropout):
                self.add_module(f"drop{k}", MemberDropout(dropout))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        members = len(self.seeds)
        x = validate.tensor(x, "x")
        if x.dtype != self.linear1.weight.dtype:
            if x.dtype == torch.bool or x.is_complex():
                raise TypeError(f"x must hold real numbers, got dtype {x.dtype}")
            x = x.to(self.linear1.weight.dtype)
        if x.ndim == 2 and x.shape[1] == self.widths[0]:
            h = x.expand(members, *x.shape)  # one input for every member
        elif x.ndim == 3 and x.shape[0] == members and x.shape[2] == self.widths[0]:
            h = x  # each member its own input
        else:
            raise ValueError(f"x must have shape (batch, {self.widths[0]}) or ({members}, batch, "
                             f"{self.widths[0]}), got {tuple(x.shape)}")
        for module in self.children():
            h = module(h)
        return h

    @property
    def hidden_layers(self) -> list[str]:
        """Names of the modules whose outputs are the hidden representations, input side first:
        ``["act1", ...]`` for plain networks, ``"quant{k}"`` or ``"norm{k}"`` where those exist."""
        return list(self._hidden)


def l2_penalty(model: MLPEnsemble) -> torch.Tensor:
    """Each member's sum of squared weights (biases and batch-norm parameters excluded), shape (members,).

    Weight decay as a loss term: add ``lambda_m * l2_penalty(model)[m]`` to member m's loss.
    (With Adam this is L2 regularisation, not the decoupled weight decay of AdamW.)
    """
    if not isinstance(model, MLPEnsemble):
        raise TypeError(f"model must be an MLPEnsemble, got {type(model).__name__}")
    return sum(layer.weight.square().sum(dim=(1, 2)) for layer in model.children() if isinstance(layer, BatchedLinear))


def member_parameters(model: nn.Module) -> int:
    """The number of weights and biases of one member of an ensemble (all members have the same).

    Every parameter of an ensemble (``MLPEnsemble``, ``vib.VIBEnsemble``, ...) carries a leading
    members axis; this counts one slice of each.
    """
    model = validate.module(model)
    parameters = list(model.parameters())
    if not parameters or any(p.ndim < 2 for p in parameters) or len({p.shape[0] for p in parameters}) != 1:
        raise ValueError(f"model must be an ensemble whose parameters share a leading members axis, "
                         f"got {type(model).__name__}")
    return sum(p[0].numel() for p in parameters)


def ensemble_cross_entropy(logits: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """Each member's mean cross-entropy in bits.

    Parameters
    ----------
    logits : tensor, shape (members, batch, classes)
    y : int tensor, shape (batch,) (the same labels for every member) or (members, batch)
        Class labels in 0 .. classes - 1 (numpy arrays are accepted for both).

    Returns
    -------
    tensor, shape (members,): -mean_b log2 softmax(logits)[m, b, y_b]
    """
    logits, y = validate.tensor(logits, "logits"), validate.tensor(y, "y")
    if logits.ndim != 3 or y.shape not in (logits.shape[1:2], logits.shape[:2]):
        raise ValueError(f"expected logits (members, batch, classes) and y (batch,) or (members, batch), "
                         f"got {tuple(logits.shape)} and {tuple(y.shape)}")
    y = validate.class_labels(y, logits.shape[-1]).to(logits.device)
    log_p = torch.log_softmax(logits, dim=-1)
    picked = log_p.gather(2, y.expand(logits.shape[0], -1)[..., None])[..., 0]
    return -picked.mean(dim=1) / math.log(2)


def _uniform(shape: Sequence[int], bound: float, gen: torch.Generator) -> torch.Tensor:
    return torch.empty(*shape).uniform_(-bound, bound, generator=gen)


class ConvEnsemble(nn.Module):
    """Independent small convolutional networks of equal shape, evaluated in one pass.

    Each block is a 3 x 3 convolution (padding 1), a ReLU and a 2 x 2 max pooling, so an
    8 x 8 image leaves two blocks as 2 x 2 maps and a 28 x 28 one as 7 x 7. The members
    are stacked along the channel axis: the first convolution, which sees the same
    image for every member, is one ordinary convolution with ``members x channels[0]``
    outputs, and the later ones are grouped convolutions (one group per member), so
    member m only ever mixes its own channels. Weights and biases are initialised like
    ``nn.Conv2d`` (uniform in +-1/sqrt(fan in)), member m from ``seeds[m]``.

    Parameters
    ----------
    image_shape : (int, int)
        Height and width; each at least 2**len(channels).
    channels : sequence of int
        Output channels of each block, e.g. ``(16, 32)``.
    seeds : sequence of int
        One initialisation seed per member.

    Input: grey-level images flattened row by row, (batch, height * width) (as
    ``data.ImageData`` holds them), the same for every member. Output: features
    (members, batch, n_features), ready for ``MLPEnsemble`` (or a VIB head).
    """

    def __init__(self, image_shape: Sequence[int], channels: Sequence[int], seeds: Sequence[int]):
        super().__init__()
        shape = validate.counts(image_shape, "image_shape")
        channels = validate.counts(channels, "channels")
        if len(shape) != 2:
            raise ValueError(f"image_shape must be (height, width), got {tuple(shape)}")
        if min(shape) < 2 ** len(channels):
            raise ValueError(f"image_shape {tuple(shape)} is too small for {len(channels)} blocks of 2 x 2 pooling "
                             f"(each side needs at least {2 ** len(channels)} pixels)")
        self.seeds = tuple(validate.seeds(seeds))
        self.image_shape, self.channels = tuple(shape), tuple(channels)
        members = len(self.seeds)
        for b, (c_in, c_out) in enumerate(zip((1, *channels[:-1]), channels), start=1):
            conv = nn.Conv2d(c_in * (members if b > 1 else 1), c_out * members, 3, padding=1,
                             groups=members if b > 1 else 1)
            bound = 1 / math.sqrt(c_in * 9)
            gens = [torch.Generator().manual_seed(1000 * s + b) for s in self.seeds]
            with torch.no_grad():
                conv.weight.copy_(torch.cat([_uniform((c_out, c_in, 3, 3), bound, g) for g in gens]))
                conv.bias.copy_(torch.cat([_uniform((c_out,), bound, g) for g in gens]))
            self.add_module(f"conv{b}", conv)
        height, width = self.image_shape
        for _ in channels:
            height, width = height // 2, width // 2
        self.n_in = int(np.prod(self.image_shape))
        self.n_features = channels[-1] * height * width

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = validate.tensor(x, "x")
        if x.ndim != 2 or x.shape[1] != self.n_in:
            raise ValueError(f"x must have shape (batch, {self.n_in}) (images of {self.image_shape} flattened), "
                             f"got {tuple(x.shape)}")
        h = x.to(self.conv1.weight.dtype).reshape(len(x), 1, *self.image_shape)
        for module in self.children():
            h = nn.functional.max_pool2d(torch.relu(module(h)), 2)
        return h.reshape(len(x), len(self.seeds), -1).transpose(0, 1)


class _MemberLayerNorm(nn.Module):
    """Layer normalisation over the last axis with one gain and bias per member: (members, ..., width)."""

    def __init__(self, members: int, width: int):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(members, width))
        self.bias = nn.Parameter(torch.zeros(members, width))

    def forward(self, h: torch.Tensor) -> torch.Tensor:
        shape = (h.shape[0],) + (1,) * (h.ndim - 2) + (h.shape[-1],)
        return nn.functional.layer_norm(h, h.shape[-1:]) * self.weight.view(shape) + self.bias.view(shape)


class TransformerEnsemble(nn.Module):
    """Independent tiny transformer encoders, evaluated in one batched pass.

    A classification token (CLS, id ``vocab``) is put in front of every sequence, so the
    blocks see ``length + 1`` positions, the CLS one first. Learned token and position
    embeddings; each of the ``layers`` blocks is pre-norm: ``h + attention(LN(h))``, then
    ``h + MLP(LN(h))`` (width -> 2 width -> width, ReLU); ``heads`` attention heads of width
    ``width / heads`` with softmax(q k^T / sqrt(width / heads)) over all positions. The
    output is the CLS vector after a final layer norm. Members share nothing; member m is
    initialised from ``seeds[m]``.

    Parameters
    ----------
    vocab, length, width, heads, layers : int
        Token ids 0 .. vocab - 1; positions per sequence; residual width (a multiple of
        ``heads``); heads per block; blocks.
    seeds : sequence of int

    Input: int tensor (batch, length) of token ids. Output: (members, batch, width).
    ``inside(x)`` also returns every block's attention weights and residual states.
    """

    def __init__(self, vocab: int, length: int, width: int, heads: int, layers: int, seeds: Sequence[int]):
        super().__init__()
        self.vocab, self.length = validate.count(vocab, "vocab"), validate.count(length, "length")
        self.width, self.heads = validate.count(width, "width"), validate.count(heads, "heads")
        self.layers = validate.count(layers, "layers")
        if width % heads:
            raise ValueError(f"width must be a multiple of heads, got width={width}, heads={heads}")
        self.seeds = tuple(validate.seeds(seeds))
        members = len(self.seeds)
        gens = [torch.Generator().manual_seed(1000 * s + 999) for s in self.seeds]
        self.tokens = nn.Parameter(torch.stack([torch.randn(vocab + 1, width, generator=g) for g in gens]))
        self.positions = nn.Parameter(torch.stack([torch.randn(length + 1, width, generator=g) for g in gens]))
        self.n_in, self.n_features = self.length, self.width
        for b in range(1, layers + 1):
            block = nn.Module()
            block.norm1, block.norm2 = _MemberLayerNorm(members, width), _MemberLayerNorm(members, width)
            block.qkv = BatchedLinear(width, 3 * width, [1000 * s + 10 * b for s in self.seeds])
            block.out = BatchedLinear(width, width, [1000 * s + 10 * b + 1 for s in self.seeds])
            block.up = BatchedLinear(width, 2 * width, [1000 * s + 10 * b + 2 for s in self.seeds])
            block.down = BatchedLinear(2 * width, width, [1000 * s + 10 * b + 3 for s in self.seeds])
            self.add_module(f"block{b}", block)
        self.norm = _MemberLayerNorm(members, width)

    def _check_tokens(self, x) -> torch.Tensor:
        x = validate.tensor(x, "x")
        if x.ndim != 2 or x.shape[1] != self.length:
            raise ValueError(f"x must have shape (batch, {self.length}), got {tuple(x.shape)}")
        if x.is_floating_point() or x.dtype == torch.bool or x.is_complex():
            raise TypeError(f"x must hold integer token ids, got dtype {x.dtype}")
        if x.numel() and (int(x.min()) < 0 or int(x.max()) >= self.vocab):
            raise ValueError(f"x holds token ids outside 0 .. {self.vocab - 1}")
        return x.long()

    def _run(self, x: torch.Tensor, keep: bool) -> tuple[torch.Tensor, list, list]:
        """The CLS output, with the residual states and attention maps when ``keep`` (else empty lists)."""
        x = self._check_tokens(x).to(self.tokens.device)
        members, (batch, length) = len(self.seeds), x.shape
        cls = torch.full((batch, 1), self.vocab, dtype=torch.long, device=x.device)
        h = self.tokens[:, torch.cat([cls, x], dim=1)] + self.positions[:, None]  # (members, batch, L, width)
        positions, head_width = length + 1, self.width // self.heads
        states, maps = [h] if keep else [], []
        for b in range(1, self.layers + 1):
            block = getattr(self, f"block{b}")
            qkv = block.qkv(block.norm1(h).reshape(members, batch * positions, -1))
            q, k, v = qkv.reshape(members, batch, positions, 3, self.heads, head_width).permute(3, 0, 1, 4, 2, 5)
            weights = torch.softmax(q @ k.transpose(-1, -2) / math.sqrt(head_width), dim=-1)
            mixed = (weights @ v).permute(0, 1, 3, 2, 4).reshape(members, batch * positions, self.width)
            h = h + block.out(mixed).reshape(h.shape)
            hidden = torch.relu(block.up(block.norm2(h).reshape(members, batch * positions, -1)))
            h = h + block.down(hidden).reshape(h.shape)
            if keep:
                states.append(h)
                maps.append(weights)
        return self.norm(h[:, :, 0]), states, maps

    @torch.no_grad()
    def inside(self, x: torch.Tensor) -> dict[str, torch.Tensor]:
        """The CLS output and what happens inside, for token ids x (batch, length), without gradients.

        Returns a dict with ``output`` (members, batch, width), ``attention`` (members,
        layers, batch, heads, length + 1, length + 1): row q of a head's map is the
        distribution over positions that query position q attends to (position 0 is
        the CLS token); and ``states`` (members, layers + 1, batch, length + 1, width):
        the residual stream after the embedding (index 0) and after each block.
        """
        output, states, maps = self._run(x, keep=True)
        return {"output": output, "attention": torch.stack(maps, dim=1), "states": torch.stack(states, dim=1)}

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self._run(x, keep=False)[0]


def parameter_count(model: nn.Module, members: int) -> int:
    """Trainable parameters of one member of an ensemble ``model`` of ``members`` members (all of them / members)."""
    members = validate.count(members, "members")
    total = sum(p.numel() for p in validate.module(model).parameters() if p.requires_grad)
    if total % members:
        raise ValueError(f"model has {total} parameters, not a multiple of members={members}")
    return total // members
