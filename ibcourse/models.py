"""Networks of the course (torch).

``MLPEnsemble``  several independent MLPs of the same widths, trained at once
(the Deep VIB and the beta-VAE, built from it, are in ``ibcourse.vib``)
"""

from __future__ import annotations

import math
from collections.abc import Sequence

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
