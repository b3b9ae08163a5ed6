import numpy as np
import pytest
import torch
from torch import nn

from ibcourse import recording, training


class TwoBranch(nn.Module):
    """Not an nn.Sequential: two branches joined in forward."""

    def __init__(self):
        super().__init__()
        self.left = nn.Linear(3, 2)
        self.right = nn.Sequential(nn.Linear(3, 4), nn.Tanh())
        self.head = nn.Linear(6, 2)

    def forward(self, x):
        return self.head(torch.cat([self.left(x), self.right(x)], dim=1))


def test_capture_named_layers_of_any_module():
    torch.manual_seed(0)
    net = TwoBranch().train()
    x = torch.randn(8, 3)
    got = recording.capture(net, x, ["left", "right.1", "head"], transforms={"head": lambda z: z.softmax(-1)})
    with torch.no_grad():
        assert np.allclose(got["left"], net.left(x).numpy())
        assert np.allclose(got["right.1"], torch.tanh(net.right[0](x)).numpy())
        assert np.allclose(got["head"], net(x).softmax(-1).numpy())
    assert net.training, "the mode is restored"
    assert all(not m._forward_hooks for m in net.modules()), "hooks are removed"


def test_capture_bad_names():
    with pytest.raises(ValueError, match="no module named"):
        recording.capture(TwoBranch(), torch.zeros(1, 3), ["middle"])
    with pytest.raises(ValueError, match="not recorded"):
        recording.capture(TwoBranch(), torch.zeros(1, 3), ["left"], transforms={"head": torch.tanh})


def test_log_epochs():
    epochs = recording.log_epochs(1000, 20)
    assert epochs[0] == 0 and epochs[-1] == 1000 and epochs == sorted(set(epochs))
    assert len(epochs) <= 20 and np.all(np.diff(np.log(epochs[1:])) > 0)
    assert recording.log_epochs(3, 50) == [0, 1, 2, 3]
    with pytest.raises(ValueError):
        recording.log_epochs(0, 5)
    with pytest.raises(ValueError):
        recording.log_epochs(10, 1)


def test_recorder_records_scheduled_epochs_during_training():
    torch.manual_seed(0)
    net = TwoBranch()
    x, y = torch.randn(32, 3), torch.randint(0, 2, (32,))
    recorder = recording.ActivationRecorder(x, ["right.1", "head"], [0, 2, 5])
    loss_fn = lambda m, xb, yb, e: {"loss": nn.functional.cross_entropy(m(xb), yb)}  # noqa: E731
    training.train(net, x, y, loss_fn, epochs=5, batch_size=8, lr=1e-2, on_epoch=recorder, progress=False, device="cpu")
    assert recorder.epochs == [0, 2, 5]
    acts = recorder.activations
    assert acts["right.1"].shape == (3, 32, 4) and acts["head"].shape == (3, 32, 2)
    assert not np.allclose(acts["head"][0], acts["head"][-1])
    assert np.allclose(acts["head"][-1], recording.capture(net, x, ["head"])["head"])


def test_recorder_with_a_custom_capture_and_transforms():
    torch.manual_seed(1)
    net = TwoBranch()
    x, y = torch.randn(16, 3), torch.randint(0, 2, (16,))
    calls = []

    def my_capture(model, inputs, layers):
        assert inputs.device == next(model.parameters()).device, "inputs arrive on the model's device"
        calls.append(list(layers))
        return recording.capture(model, inputs, layers)

    recorder = recording.ActivationRecorder(x, ["left", "head"], [0, 3], transforms={"head": lambda z: z.softmax(-1)},
                                            capture=my_capture)
    loss_fn = lambda m, xb, yb, e: {"loss": nn.functional.cross_entropy(m(xb), yb)}  # noqa: E731
    training.train(net, x, y, loss_fn, epochs=3, batch_size=4, lr=1e-2, on_epoch=recorder, progress=False, device="cpu")
    assert calls == [["left", "head"], ["left", "head"]]
    head = recorder.activations["head"]
    assert head.shape == (2, 16, 2) and np.allclose(head.sum(-1), 1.0, atol=1e-6)
    with torch.no_grad():
        assert np.allclose(head[-1], net(x).softmax(-1).numpy(), atol=1e-6)


def test_recorder_bad_arguments():
    x = torch.zeros(2, 3)
    with pytest.raises(ValueError, match="at least 1 entry"):
        recording.ActivationRecorder(x, [], [0])
    with pytest.raises(ValueError, match="not recorded"):
        recording.ActivationRecorder(x, ["left"], [0], transforms={"head": torch.tanh})
    with pytest.raises(TypeError, match="capture"):
        recording.ActivationRecorder(x, ["left"], [0], capture="hooks")
    recorder = recording.ActivationRecorder(x, ["left", "head"], [0], capture=lambda m, i, names: {"left": np.zeros(2)})
    with pytest.raises(ValueError, match="no output for layers \\['head'\\]"):
        recorder(0, TwoBranch())
    with pytest.raises(ValueError, match="nothing recorded"):
        _ = recording.ActivationRecorder(x, ["left"], [5]).activations
