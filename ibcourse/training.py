"""The training loop every notebook uses: seeded, with progress, a per-epoch history and callbacks."""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import numpy as np
import torch
from torch import nn
from tqdm.auto import trange

from ibcourse import validate

#: loss_fn(model, x_batch, y_batch, epoch) -> {"loss": scalar to minimise, other parts to log}
LossFn = Callable[[nn.Module, torch.Tensor, torch.Tensor, int], Mapping[str, torch.Tensor]]
#: on_epoch(epoch, model) -> None or a dict of evaluation results; epoch 0 is before training
EpochCallback = Callable[[int, nn.Module], "Mapping[str, object] | None"]


def default_device() -> torch.device:
    """CUDA when a GPU is visible, else the CPU."""
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


def configure_threads() -> int:
    """Use one torch thread on small CPUs (<= 4 cores), where it was measured faster for the
    course's small networks; leave larger machines alone. Returns torch's thread count."""
    if (os.cpu_count() or 1) <= 4:
        torch.set_num_threads(1)
    return torch.get_num_threads()


def start(seed: int = 0) -> torch.device:
    """The first step of a notebook that trains networks: seed every generator
    (``ibcourse.seed_everything``), set torch's threads (``configure_threads``), print both
    with the device, and return ``default_device()``.

    Raises ``ValueError``/``TypeError`` for a seed outside [0, 2**32) or not an integer.
    """
    from ibcourse import seed_everything

    seed_everything(seed)
    device = default_device()
    print("torch threads:", configure_threads(), "| device:", device)
    return device


def _device(device) -> torch.device:
    """``device`` as a torch.device (``None``: ``default_device()``), checked to exist on this machine."""
    if device is None:
        return default_device()
    try:
        device = torch.device(device)
    except (RuntimeError, TypeError):
        raise ValueError(f"device={device!r} is not a torch device; expected e.g. 'cpu', 'cuda' or 'cuda:0'") from None
    if device.type == "cuda" and not torch.cuda.is_available():
        raise ValueError(f"device={str(device)!r}, but no GPU is visible; use 'cpu' or leave device=None")
    return device


@dataclass
class History:
    """What ``train`` measured.

    ``metrics[name]`` is an array of shape (epochs, *part shape): each loss part
    averaged over the epoch's examples. ``evaluations[epoch]`` is what the callback
    returned at that epoch (epoch 0: before training). ``seconds`` is the wall time
    of the optimisation alone; ``callback_seconds`` that of the callbacks.
    """

    metrics: dict[str, np.ndarray] = field(default_factory=dict)
    evaluations: dict[int, Mapping[str, object]] = field(default_factory=dict)
    seconds: float = 0.0
    callback_seconds: float = 0.0


#: optimiser(parameters, lr) -> a torch optimiser, e.g. ``generalization.LangevinGD`` with its settings bound
OptimiserFactory = Callable[..., torch.optim.Optimizer]


def train(model: nn.Module, x: torch.Tensor, y: torch.Tensor, loss_fn: LossFn, *, epochs: int, batch_size: int,
          lr: float, lr_decay: float = 1.0, adam_betas: tuple[float, float] = (0.9, 0.999), seed: int = 0,
          on_epoch: EpochCallback | None = None, device: torch.device | str | None = None, progress: bool = True,
          desc: str = "training", optimiser: OptimiserFactory | None = None) -> History:
    """Train ``model`` with Adam (or ``optimiser``) on minibatches of (x, y), in place.

    Parameters
    ----------
    model : nn.Module
        Moved to ``device``; put in train mode for the steps.
    x, y : tensors or numpy arrays, shapes (n, ...) and (n, ...), n >= 1
        The training set, moved to ``device`` once. Floating ``x`` is cast to the
        model's dtype (numpy's float64 to float32); floating values must be finite.
    loss_fn : callable
        ``loss_fn(model, xb, yb, epoch)`` returns a mapping with the scalar ``"loss"``
        to minimise and any other tensors to log (epochs count from 1).
    epochs, batch_size : int
        Passes over the data; examples per step (the last batch of an epoch may be smaller).
    lr : float
        Adam's learning rate in the first epoch.
    lr_decay : float
        Factor in (0, 1] applied to the learning rate after every epoch (1: constant).
    adam_betas : (float, float)
        Adam's moment decay rates, each in [0, 1).
    seed : int
        Seeds the minibatch order (a private generator: global random state is untouched);
        an integer in [0, 2**32).
    on_epoch : callable, optional
        Called as ``on_epoch(epoch, model)`` before training (epoch 0) and after each
        epoch, with the model in eval mode; a dict it returns is kept in ``evaluations``.
    device : torch.device or str, optional
        Default: ``default_device()``. Asking for ``"cuda"`` without a visible GPU is an error.
    progress : bool
        Show a tqdm progress bar.
    optimiser : callable, optional
        ``optimiser(parameters, lr)`` returning a ``torch.optim.Optimizer`` to use instead of
        Adam (``adam_betas`` is then unused); ``lr_decay`` still scales its learning rate.

    Returns
    -------
    History
    """
    model = validate.module(model)
    if not any(p.requires_grad for p in model.parameters()):
        raise ValueError(f"model has no trainable parameters: {type(model).__name__}")
    validate.function(loss_fn, "loss_fn", "loss_fn(model, xb, yb, epoch) -> {'loss': ...}")
    if on_epoch is not None:
        validate.function(on_epoch, "on_epoch", "on_epoch(epoch, model)")
    epochs = validate.count(epochs, "epochs")
    batch_size = validate.count(batch_size, "batch_size")
    lr = validate.number(lr, "lr", low=0, low_open=True)
    lr_decay = validate.number(lr_decay, "lr_decay", low=0, high=1, low_open=True)
    adam_betas = validate.sequence(adam_betas, "adam_betas")
    if len(adam_betas) != 2:
        raise ValueError(f"adam_betas must be a pair (beta1, beta2), got {adam_betas!r}")
    adam_betas = tuple(validate.number(b, f"adam_betas[{i}]", low=0, high=1, high_open=True)
                       for i, b in enumerate(adam_betas))
    seed = validate.seed(seed)
    x, y = validate.model_input(x, model, "x"), validate.tensor(y, "y")
    if y.ndim == 0 or len(x) != len(y):
        raise ValueError(f"x and y must be of equal length, got {len(x)} rows of x and y of shape {tuple(y.shape)}")
    validate.finite(y, "y")
    if optimiser is not None:
        validate.function(optimiser, "optimiser", "optimiser(parameters, lr) -> torch.optim.Optimizer")
    device = _device(device)
    model.to(device)
    x, y = x.to(device), y.to(device)
    if optimiser is None:
        optimiser = torch.optim.Adam(model.parameters(), lr=lr, betas=adam_betas, fused=True)
    else:
        optimiser = optimiser(model.parameters(), lr)
        if not isinstance(optimiser, torch.optim.Optimizer):
            raise TypeError(f"optimiser(parameters, lr) must return a torch.optim.Optimizer, got {type(optimiser).__name__}")
    order = torch.Generator().manual_seed(seed)
    history = History()

    def callback(epoch: int) -> None:
        if on_epoch is None:
            return
        start = time.perf_counter()
        model.eval()
        result = on_epoch(epoch, model)
        model.train()
        if result is not None:
            history.evaluations[epoch] = result
        history.callback_seconds += time.perf_counter() - start

    logged: dict[str, list[np.ndarray]] = {}
    callback(0)
    bar = trange(1, epochs + 1, desc=desc, disable=not progress, mininterval=1.0)
    for epoch in bar:
        start = time.perf_counter()
        model.train()
        sums: dict[str, torch.Tensor] = {}
        for batch in torch.randperm(len(x), generator=order).to(device).split(batch_size):
            parts = loss_fn(model, x[batch], y[batch], epoch)
            if not isinstance(parts, Mapping) or "loss" not in parts:
                raise TypeError(f"loss_fn must return a mapping with the key 'loss', got {type(parts).__name__} "
                                f"{list(parts) if isinstance(parts, Mapping) else ''}")
            optimiser.zero_grad(set_to_none=True)
            parts["loss"].backward()
            optimiser.step()
            for name, value in parts.items():
                sums[name] = sums.get(name, 0) + value.detach() * len(batch)
        for name, total in sums.items():
            logged.setdefault(name, []).append((total / len(x)).cpu().numpy())
        for group in optimiser.param_groups:
            group["lr"] *= lr_decay
        history.seconds += time.perf_counter() - start
        callback(epoch)
        if progress and (epoch == epochs or epoch % max(1, epochs // 50) == 0):
            bar.set_postfix(loss=f"{float(np.sum(logged['loss'][-1])):.4f}", refresh=False)
    history.metrics = {name: np.stack(values) for name, values in logged.items()}
    return history
