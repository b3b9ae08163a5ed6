"""A VIB whose I(X;Z) term is a neural estimate instead of the KL bound ("MINE-IB").

The VIB penalises E_x KL(q(z|x) || N(0, I)), an upper bound on I(X;Z). Here a critic network
f(x, z) gives a variational *lower* bound on I(X;Z) (``neural_mi.information_bound``: DV,
NWJ or InfoNCE), and the encoder minimises

    CE + beta * I_critic(X;Z)        (bits)

while the critic maximises I_critic: a min-max game, trained with one optimiser through a
gradient reversal (Ganin & Lempitsky 2015): the critic's gradient ascends the bound, the
encoder's descends beta times it. Minimising a lower bound does not guarantee that I(X;Z)
falls (the critic may simply lag behind the encoder): measure I(X;Z) by other means
(``vib.encoder_information`` when X is discrete) before believing it compressed.

``MineIB``             a ``vib.VIBEnsemble`` and a critic ensemble (one critic per member), in one module
``mine_ib_objective``  a ``loss_fn`` for ``training.train``
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

from ibcourse import neural_mi, validate
from ibcourse.models import ensemble_cross_entropy
from ibcourse.vib import VIBEnsemble, _betas, reparameterise


class _Reversal(torch.autograd.Function):
    """Identity forward; the gradient multiplied by -scale backward."""

    @staticmethod
    def forward(ctx, z, scale):
        ctx.save_for_backward(scale)
        return z.view_as(z)

    @staticmethod
    def backward(ctx, grad):
        (scale,) = ctx.saved_tensors
        return -scale * grad, None


def reverse_gradient(z: torch.Tensor, scale) -> torch.Tensor:
    """z unchanged; in the backward pass its gradient is multiplied by -scale (a tensor broadcastable to z)."""
    return _Reversal.apply(z, torch.as_tensor(scale, dtype=z.dtype, device=z.device))


class MineIB(nn.Module):
    """A VIB ensemble and one critic per member, trained together by ``mine_ib_objective``.

    Parameters
    ----------
    model : vib.VIBEnsemble
        The encoder and decoder (its KL is not used in training).
    critic : neural_mi.SeparableCritic or ConcatCritic
        With x_dim = the model's input size, y_dim = its K, and as many members as the model.
    """

    def __init__(self, model: VIBEnsemble, critic: nn.Module):
        super().__init__()
        if not isinstance(model, VIBEnsemble):
            raise TypeError(f"model must be a VIBEnsemble, got {type(model).__name__}")
        critic = validate.module(critic, "critic")
        if getattr(critic, "members", None) != len(model.encoder.seeds):
            raise ValueError(f"critic must have one member per model member ({len(model.encoder.seeds)}), "
                             f"got {getattr(critic, 'members', None)}")
        self.vib, self.critic = model, critic

    def forward(self, x: torch.Tensor, samples: int = 1):
        """The VIB's output: logits (members, samples, batch, classes), mean and std."""
        return self.vib(x, samples=samples)


def mine_ib_objective(schedules: Sequence, kind: str = "infonce"):
    """A ``loss_fn`` for ``training.train`` on a ``MineIB``: CE + beta * critic's bound on I(X;Z), per member.

    One draw of z per example (reparameterised). The critic scores the batch's pairs (x_i, z_j)
    and ``neural_mi.information_bound`` turns them into a lower bound on I(X;Z) in bits of
    kind ``kind`` ("dv", "nwj" or "infonce"; InfoNCE is the steadiest, and at most log2 of
    the batch size). The gradient reversal makes one optimiser step raise the bound in the
    critic's weights and lower beta times it in the encoder's. Logged per member:
    ``objective`` = CE + beta * bound, ``cross_entropy`` and ``critic_bound`` (bits).
    """
    schedules = validate.functions(schedules, "schedules", "one per member, e.g. schedules.Constant(beta)")
    if kind not in neural_mi.KINDS:
        raise ValueError(f"kind must be one of {list(neural_mi.KINDS)}, got {kind!r}")

    def loss_fn(model: MineIB, x: torch.Tensor, y: torch.Tensor, epoch: int) -> dict[str, torch.Tensor]:
        if not isinstance(model, MineIB):
            raise TypeError(f"model must be a MineIB, got {type(model).__name__}")
        validate.one_per_member(schedules, len(model.vib.encoder.seeds), "schedules")
        betas = _betas(schedules, epoch).to(x.device)
        mean, std = model.vib.encode(x)
        z = reparameterise(mean, std, torch.randn_like(mean) * model.vib.noise[:, 0])
        ce = ensemble_cross_entropy(model.vib.decoder(z), y)
        bound = neural_mi.information_bound(model.critic, x, reverse_gradient(z, betas[:, None, None]), kind)
        bound = bound.reshape(-1)  # (members,) also for a single member
        return {"loss": (ce - bound).sum(), "objective": ce + betas * bound.detach(), "cross_entropy": ce,
                "critic_bound": bound.detach()}
    return loss_fn
