"""Recording a network's layer activations during training, with forward hooks.

Works on any ``nn.Module``: layers are named as in ``model.named_modules()``. Hooks
are attached only for the recording pass and removed after it, so training steps
pay nothing; a recording costs one forward pass over the inputs.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import numpy as np
import torch
from torch import nn

from ibcourse import validate


def log_epochs(last_epoch: int, n: int) -> list[int]:
    """About ``n`` distinct epochs from 0 to ``last_epoch``, log-spaced (dense early, sparse late).

    Epoch 0 (before training) and ``last_epoch`` are always included. Returns a sorted
    list of ints; fewer than ``n`` when ``last_epoch`` is small.
    """
    last_epoch = validate.count(last_epoch, "last_epoch")
    n = validate.count(n, "n", minimum=2)
    epochs = np.unique(np.round(np.geomspace(1, last_epoch, n - 1)).astype(int))
    return [0, *[int(e) for e in epochs]]


def capture(model: nn.Module, inputs: torch.Tensor, layers: Sequence[str],
            transforms: Mapping[str, Callable[[torch.Tensor], torch.Tensor]] | None = None) -> dict[str, np.ndarray]:
    """The outputs of the named modules on ``inputs``, in one forward pass without gradients.

    Parameters
    ----------
    model : nn.Module
        Any module; it is put in eval mode for the pass and restored after.
    inputs : tensor or numpy array, shape (n, ...)
        Moved to the model's device; floating values are cast to the model's dtype.
    layers : sequence of str
        Names from ``model.named_modules()``, e.g. ``["act1", "encoder.2"]``.
    transforms : mapping of layer name to function, optional
        Applied to that layer's output before it is stored (e.g. softmax on logits).

    Returns
    -------
    dict of name -> numpy array (the module's output shape, float32 as computed)
    """
    model = validate.module(model)
    inputs = validate.model_input(inputs, model, "inputs")
    layers = validate.names(layers, "layers", min_length=0)
    for layer, transform in (transforms or {}).items():
        validate.function(transform, f"transforms[{layer!r}]", "e.g. lambda z: z.softmax(-1)")
    modules = dict(model.named_modules())
    missing = [name for name in layers if name not in modules]
    if missing:
        raise ValueError(f"no module named {missing} in the model; available: {[n for n in modules if n]}")
    transforms = dict(transforms or {})
    unknown = set(transforms) - set(layers)
    if unknown:
        raise ValueError(f"transforms given for layers that are not recorded: {sorted(unknown)}")
    captured: dict[str, np.ndarray] = {}

    def hook_for(name):
        def hook(module, args, output):
            out = transforms.get(name, lambda v: v)(output.detach())
            captured[name] = out.cpu().numpy().copy()
        return hook

    handles = [modules[name].register_forward_hook(hook_for(name)) for name in layers]
    was_training = model.training
    try:
        model.eval()
        with torch.no_grad():
            device = next(model.parameters(), inputs).device  # a module without parameters: stay put
            model(inputs.to(device))
    finally:
        for handle in handles:
            handle.remove()
        model.train(was_training)
    return {name: captured[name] for name in layers}


#: capture(model, inputs, layers) -> {layer name: array of that layer's outputs}
CaptureFn = Callable[[nn.Module, torch.Tensor, Sequence[str]], Mapping[str, np.ndarray]]


class ActivationRecorder:
    """A training callback that records named layers at chosen epochs.

    Pass it as ``on_epoch`` to ``ibcourse.training.train``. After training,
    ``recorder.epochs`` lists the recorded epochs and ``recorder.activations[name]``
    is an array of shape (epochs, *output shape) for each layer.

    Parameters
    ----------
    inputs : tensor or numpy array, shape (n, ...)
        The inputs run through the model at each recorded epoch.
    layers : sequence of str
        Module names, as in ``model.named_modules()`` (at least one).
    epochs : sequence of int
        The epochs to record, each >= 0 (0 is before training).
    transforms : mapping of layer name to function, optional
        Applied (to a CPU tensor) to that layer's recorded output, e.g. a softmax on logits.
    capture : function, optional
        ``capture(model, inputs, layers)`` returning a dict of numpy arrays, one per
        layer: the recording pass. It gets ``inputs`` on the model's device. Default:
        ``ibcourse.recording.capture`` (forward hooks); a learner's own hook recorder can
        be plugged in here.
    """

    def __init__(self, inputs: torch.Tensor, layers: Sequence[str], epochs: Sequence[int],
                 transforms: Mapping[str, Callable[[torch.Tensor], torch.Tensor]] | None = None,
                 capture: CaptureFn = capture):
        self.inputs = validate.tensor(inputs, "inputs")
        self.layers = validate.names(layers, "layers")
        self.schedule = set(validate.integers(epochs, "epochs", minimum=0).tolist())
        transforms = dict(transforms or {})
        unknown = set(transforms) - set(self.layers)
        if unknown:
            raise ValueError(f"transforms given for layers that are not recorded: {sorted(unknown)}")
        if not callable(capture):
            raise TypeError(f"capture must be a function (model, inputs, layers) -> dict, got {capture!r}")
        self.transforms = transforms
        self.capture = capture
        self.epochs: list[int] = []
        self._frames: list[dict[str, np.ndarray]] = []

    def __call__(self, epoch: int, model: nn.Module) -> None:
        if validate.count(epoch, "epoch", minimum=0) not in self.schedule:
            return
        parameter = next(model.parameters(), None)
        inputs = self.inputs if parameter is None else self.inputs.to(parameter.device)  # the model's device
        frame = self.capture(model, inputs, self.layers)
        missing = [name for name in self.layers if name not in frame]
        if missing:
            raise ValueError(f"capture returned no output for layers {missing}")
        recorded = {}
        for name in self.layers:
            value = torch.as_tensor(np.asarray(frame[name]))
            if name in self.transforms:
                value = self.transforms[name](value)
            recorded[name] = value.numpy().copy()
        self._frames.append(recorded)
        self.epochs.append(epoch)

    @property
    def activations(self) -> dict[str, np.ndarray]:
        if not self._frames:
            raise ValueError("nothing recorded yet: no scheduled epoch has been reached")
        return {name: np.stack([frame[name] for frame in self._frames]) for name in self.layers}
