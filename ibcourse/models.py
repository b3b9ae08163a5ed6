"""Networks of the course (torch).

``MLPEnsemble``          several independent MLPs of the same widths, trained at once
``ConvEnsemble``         several small CNNs (3 x 3 convolutions, ReLU, 2 x 2 pooling) at once
``TransformerEnsemble``  several tiny transformer encoders with a CLS token, at once
(the Deep VIB and the beta-VAE, built from it, are in ``ibcourse.vib``)
"""

from __future__ import annotations

import math
from collections.abc import Sequence

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
        return torch.cat([ACTIVATIONS[kind](x[a:b]) for kind, a, b in self._runs])

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


class MLPEnsemble(nn.Module):
    """Independent fully connected networks of equal widths, evaluated in one batched pass.

    Member m has its own weights, initialised from ``seeds[m]``, and its own hidden
    nonlinearity ``activations[m]``. The members share nothing but the input (and,
    in training, the minibatch order); since the loss is a sum over members and Adam
    updates every weight on its own, training them together gives each one the
    result it would get alone, at about the cost of one small network on a CPU.

    Modules are named ``linear1 .. linearL`` and ``act1 .. act(L-1)``, so that
    activations can be recorded by name (``ibcourse.recording``).

    Parameters
    ----------
    widths : sequence of int
        Units per layer, input first: ``(12, 10, 7, 5, 4, 3, 2)``; integers >= 1, at least two.
    activations : sequence of str
        One of ``"tanh"``/``"relu"`` per member.
    seeds : sequence of int
        One initialisation seed per member (integers in [0, 2**32)), same length as ``activations``.

    Input (batch, widths[0]), the same for every member, or (members, batch, widths[0]),
    a tensor or a numpy array of real numbers (cast to the weights' dtype, float32);
    output (members, batch, widths[-1]), without a nonlinearity after the last layer.
    """

    def __init__(self, widths: Sequence[int], activations: Sequence[str], seeds: Sequence[int]):
        super().__init__()
        widths = validate.counts(widths, "widths", min_length=2)
        activations = _check_kinds(activations, "activations")
        seeds = validate.seeds(seeds)
        if len(activations) != len(seeds):
            raise ValueError(f"activations and seeds need one entry per member, got {len(activations)} and {len(seeds)}")
        self.widths = tuple(widths)
        self.activations = tuple(activations)
        self.seeds = tuple(seeds)
        for k, (n_in, n_out) in enumerate(zip(widths[:-1], widths[1:]), start=1):
            self.add_module(f"linear{k}", BatchedLinear(n_in, n_out, [1000 * s + k for s in seeds]))
            if k < len(widths) - 1:
                self.add_module(f"act{k}", MemberActivation(activations))

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
        """Names of the hidden nonlinearities, input side first: ``["act1", ...]``."""
        return [f"act{k}" for k in range(1, len(self.widths) - 1)]


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
    y : int tensor, shape (batch,)
        Class labels in 0 .. classes - 1 (numpy arrays are accepted for both).

    Returns
    -------
    tensor, shape (members,): -mean_b log2 softmax(logits)[m, b, y_b]
    """
    logits, y = validate.tensor(logits, "logits"), validate.tensor(y, "y")
    if logits.ndim != 3 or y.shape != logits.shape[1:2]:
        raise ValueError(f"expected logits (members, batch, classes) and y (batch,), "
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
