"""Argument checks at the public boundary, shared by the modules.

Every check raises ``TypeError`` (the wrong kind of value: a float where an integer
is meant, a string where a sequence is meant, a bool where a number is meant) or
``ValueError`` (the right kind, a bad value: NaN, out of range, wrong shape), with a
message that names the argument, says what was wrong and what was expected. Nothing
is truncated, clipped, rounded or renormalised: a width of 2.7 is an error, not 2.

numpy arrays and torch tensors are both accepted where a user would pass either
(``array`` gives numpy, ``tensor`` gives torch). torch is imported only by the
checks that make tensors, so the exact (numpy-only) sections do not load it.
"""

from __future__ import annotations

import math
import numbers
import sys
from collections.abc import Callable, Sequence

import numpy as np

#: Largest seed: numpy's and scikit-learn's seeds must be below 2**32.
MAX_SEED = 2 ** 32 - 1


def _is_bool(value) -> bool:
    return isinstance(value, (bool, np.bool_))


def _entries(n: int) -> str:
    return f"{n} {'entry' if n == 1 else 'entries'}"


def count(value, name: str, minimum: int = 1, maximum: int | None = None) -> int:
    """``value`` as an int, checked to be an integer (not a bool) in ``[minimum, maximum]``.

    Raises
    ------
    TypeError
        ``value`` is not an integer (a float such as 2.0 or 2.7, a bool, a string).
    ValueError
        ``value`` is smaller than ``minimum`` or larger than ``maximum``.
    """
    if _is_bool(value) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{name} must be an integer, got {value!r}")
    if value < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {value}")
    if maximum is not None and value > maximum:
        raise ValueError(f"{name} must be <= {maximum}, got {value}")
    return int(value)


def sequence(values, name: str, *, min_length: int = 0) -> list:
    """``values`` as a list, checked to be a sequence (list, tuple, array) of at least ``min_length`` items.

    A string is not accepted as a sequence of characters, nor a single number as a sequence of one.
    """
    if isinstance(values, (str, bytes)) or not (isinstance(values, (Sequence, np.ndarray)) or _is_tensor(values)):
        raise TypeError(f"{name} must be a sequence (list or tuple), got {values!r}")
    if getattr(values, "ndim", 1) != 1:
        raise ValueError(f"{name} must be one-dimensional, got shape {tuple(values.shape)}")
    values = list(values)
    if len(values) < min_length:
        raise ValueError(f"{name} must hold at least {_entries(min_length)}, got {len(values)}")
    return values


def counts(values, name: str, minimum: int = 1, *, min_length: int = 1) -> list[int]:
    """A sequence of integers, each checked by ``count`` (errors name the item, e.g. ``widths[1]``)."""
    return [count(v, f"{name}[{i}]", minimum) for i, v in enumerate(sequence(values, name, min_length=min_length))]


def seed(value, name: str = "seed") -> int:
    """A random seed: an integer in ``[0, MAX_SEED]``."""
    return count(value, name, minimum=0, maximum=MAX_SEED)


def seeds(values, name: str = "seeds") -> list[int]:
    """A non-empty sequence of seeds, one per ensemble member."""
    return [seed(v, f"{name}[{i}]") for i, v in enumerate(sequence(values, name, min_length=1))]


def names(values, name: str, *, min_length: int = 1) -> list[str]:
    """A sequence of strings (module or activation names); a single string is rejected, not split."""
    if isinstance(values, str):
        raise TypeError(f"{name} must be a sequence of names, got the string {values!r}; write [{values!r}]")
    values = sequence(values, name, min_length=min_length)
    for i, v in enumerate(values):
        if not isinstance(v, str):
            raise TypeError(f"{name}[{i}] must be a string, got {v!r}")
    return values


def flags(values, name: str, length: int) -> list[bool]:
    """A sequence of exactly ``length`` bools (``True``/``False``; 0 and 1 are not accepted)."""
    values = sequence(values, name)
    if len(values) != length:
        raise ValueError(f"{name} needs one flag per member ({length}), got {len(values)}")
    for i, v in enumerate(values):
        if not _is_bool(v):
            raise TypeError(f"{name}[{i}] must be True or False, got {v!r}")
    return [bool(v) for v in values]


def number(value, name: str, *, low: float | None = None, high: float | None = None,
           low_open: bool = False, high_open: bool = False) -> float:
    """``value`` as a float, checked to be a finite real number (not a bool) in the given interval.

    ``low``/``high`` bound the interval (``None``: unbounded); ``low_open``/``high_open``
    exclude the bound itself. Returns ``float(value)``.
    """
    if _is_bool(value) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number, got {value!r}")
    value = float(value)
    if not math.isfinite(value):
        raise ValueError(f"{name} must be finite, got {value}")
    below = low is not None and (value <= low if low_open else value < low)
    above = high is not None and (value >= high if high_open else value > high)
    if below or above:
        if low is not None and high is not None:
            interval = f"in {'(' if low_open else '['}{low:g}, {high:g}{')' if high_open else ']'}"
        elif low is not None:
            interval = f"{'>' if low_open else '>='} {low:g}"
        else:
            interval = f"{'<' if high_open else '<='} {high:g}"
        raise ValueError(f"{name} must be {interval}, got {value:g}")
    return value


def function(value, name: str, example: str = "") -> Callable:
    """``value``, checked to be callable."""
    if not callable(value):
        raise TypeError(f"{name} must be callable{' (' + example + ')' if example else ''}, got {value!r}")
    return value


def _is_tensor(value) -> bool:
    torch = sys.modules.get("torch")
    return torch is not None and isinstance(value, torch.Tensor)


def array(value, name: str, *, allow_bool: bool = False) -> np.ndarray:
    """``value`` (numpy array, torch tensor, nested list) as a numpy array of real numbers.

    A tensor is detached and copied to the CPU first. Integer and floating dtypes pass,
    with their dtype kept (bools only with ``allow_bool``); complex numbers, strings and
    ragged lists do not.
    """
    if _is_tensor(value):
        value = value.detach().cpu()
        value = (value.float() if str(value.dtype) == "torch.bfloat16" else value).numpy()  # numpy has no bfloat16
    try:
        arr = np.asarray(value)
    except ValueError as err:
        raise ValueError(f"{name} must be a rectangular array of numbers: {err}") from None
    if arr.dtype == object:
        raise TypeError(f"{name} must be an array of numbers, got {type(value).__name__} holding non-numbers")
    if not (np.issubdtype(arr.dtype, np.integer) or np.issubdtype(arr.dtype, np.floating)
            or allow_bool and arr.dtype == np.bool_):
        raise TypeError(f"{name} must hold real numbers, got dtype {arr.dtype}")
    return arr


def finite(values, name: str) -> None:
    """Raise ``ValueError`` unless every entry of the numpy array or tensor ``values`` is finite."""
    if _is_tensor(values):
        import torch

        ok = not values.is_floating_point() or bool(torch.isfinite(values).all())
    else:
        ok = not np.issubdtype(values.dtype, np.floating) or bool(np.isfinite(values).all())
    if not ok:
        raise ValueError(f"{name} holds NaN or infinite values; expected finite numbers")


def tensor(value, name: str):
    """``value`` as a torch tensor: a tensor is returned as it is; a numpy array or list is converted.

    Raises ``TypeError`` for anything that is not an array of real numbers (bools are allowed
    here; the caller checks dtypes it cares about).
    """
    import torch

    if isinstance(value, torch.Tensor):
        return value
    if isinstance(value, (np.ndarray, list, tuple)):
        return torch.as_tensor(array(value, name, allow_bool=True))
    raise TypeError(f"{name} must be a torch tensor or a numpy array, got {type(value).__name__}")


def class_labels(y, classes: int, name: str = "y"):
    """``y`` as an int64 tensor of class labels in ``0 .. classes - 1``.

    Integer dtypes only (a float 1.0 is not a label, nor a bool). The range check is one
    reduction and one device synchronisation, cheap enough for every training step.
    """
    import torch

    y = tensor(y, name)
    if y.dtype == torch.bool or y.is_floating_point() or y.is_complex():
        raise TypeError(f"{name} must hold integer class labels, got dtype {y.dtype}")
    if y.numel():
        low, high = torch.stack(torch.aminmax(y)).tolist()
        if low < 0 or high >= classes:
            raise ValueError(f"{name} holds labels outside 0 .. {classes - 1} (smallest {low}, largest {high}); "
                             f"expected {classes} classes")
    return y.long()


def non_negative(values, name: str) -> np.ndarray:
    """A number or an array of numbers (numpy, torch), checked to be finite and >= 0; returned as numpy."""
    if _is_bool(values) or values is None or isinstance(values, str):
        raise TypeError(f"{name} must be a number or an array of numbers, got {values!r}")
    arr = array(values, name)
    if arr.size == 0:
        raise ValueError(f"{name} is empty; expected a number or one per member")
    if not np.all(np.isfinite(arr)) or np.any(arr < 0):
        raise ValueError(f"{name} must be finite and >= 0, got {values!r}")
    return arr


def member_weights(beta, members: int, like, name: str = "beta"):
    """``beta`` as a tensor with ``like``'s dtype and device: a scalar or one value per member, finite and >= 0.

    Costs one device synchronisation (a single combined check), as a loss computed every step may.
    """
    import torch

    if _is_bool(beta) or isinstance(beta, str) or beta is None:
        raise TypeError(f"{name} must be a number or a tensor of numbers, got {beta!r}")
    if not isinstance(beta, torch.Tensor):
        beta = array(beta, name)
    elif beta.dtype == torch.bool or beta.is_complex():
        raise TypeError(f"{name} must hold real numbers, got dtype {beta.dtype}")
    beta = torch.as_tensor(beta, dtype=like.dtype, device=like.device)
    if beta.ndim != 0 and tuple(beta.shape) != (members,):
        raise ValueError(f"{name} must be a number or hold one value per member ({members},), "
                         f"got shape {tuple(beta.shape)}")
    low, high = torch.stack(torch.aminmax(beta)).tolist()  # NaN propagates to both
    if not (0 <= low and high < math.inf):
        raise ValueError(f"{name} must be finite and >= 0, got {beta.tolist()}")
    return beta


def module(model, name: str = "model"):
    """``model``, checked to be a torch ``nn.Module``."""
    from torch import nn

    if not isinstance(model, nn.Module):
        raise TypeError(f"{name} must be a torch nn.Module, got {type(model).__name__}")
    return model


def model_input(x, model, name: str = "x"):
    """Inputs for ``model`` as a tensor of at least one row, finite where floating.

    numpy arrays and lists are converted; floating inputs are cast to the floating dtype
    of the model's parameters (numpy's default float64 to a float32 network), so that
    numpy and torch inputs give the same result. Integer inputs (e.g. token indices)
    are left as they are.
    """
    x = tensor(x, name)
    if x.ndim == 0:
        raise ValueError(f"{name} must hold one input per row, shape (n, ...), got a scalar")
    if len(x) == 0:
        raise ValueError(f"{name} is empty (shape {tuple(x.shape)}); expected at least one row")
    dtype = next((p.dtype for p in model.parameters() if p.is_floating_point()), None)
    if x.is_floating_point() and dtype is not None and x.dtype != dtype:
        x = x.to(dtype)
    finite(x, name)
    return x


def integers(values, name: str, *, minimum: int | None = None, maximum: int | None = None,
             min_length: int = 0) -> np.ndarray:
    """A 1-D sequence or array of integers (numpy, torch or a list) as an int64 numpy array, each in range.

    Floats (even 2.0) and bools are rejected: an epoch or an index is an integer.
    """
    if isinstance(values, (str, bytes)) or np.ndim(values) != 1:
        raise TypeError(f"{name} must be a one-dimensional sequence of integers, got {values!r}")
    arr = array(values, name, allow_bool=True)
    if len(arr) < min_length:
        raise ValueError(f"{name} must hold at least {_entries(min_length)}, got {len(arr)}")
    if not np.issubdtype(arr.dtype, np.integer):
        raise TypeError(f"{name} must hold integers, got dtype {arr.dtype}")
    if minimum is not None and len(arr) and arr.min() < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {arr.min()}")
    if maximum is not None and len(arr) and arr.max() > maximum:
        raise ValueError(f"{name} must be <= {maximum}, got {arr.max()}")
    return arr.astype(np.int64, copy=False)


def interval(value, name: str) -> tuple[float, float]:
    """A pair ``(low, high)`` of finite numbers with ``low < high``."""
    if isinstance(value, (str, bytes)) or not isinstance(value, (Sequence, np.ndarray)) or len(value) != 2:
        raise TypeError(f"{name} must be a pair (low, high), got {value!r}")
    low, high = (number(v, f"{name}[{i}]") for i, v in enumerate(value))
    if not low < high:
        raise ValueError(f"{name} must have low < high, got {value!r}")
    return low, high


def functions(values, name: str, example: str = "") -> list:
    """A non-empty sequence of callables (e.g. one beta schedule per member)."""
    values = sequence(values, name, min_length=1)
    for i, v in enumerate(values):
        function(v, f"{name}[{i}]", example)
    return values


def one_per_member(values, members: int, name: str) -> None:
    """Raise ``ValueError`` unless ``values`` has exactly one entry per ensemble member."""
    if len(values) != members:
        raise ValueError(f"{name} needs one entry per member: the model has {members}, got {len(values)}")


def unit_interval(values, name: str) -> None:
    """Raise ``ValueError`` unless every entry of the tensor ``values`` lies in [0, 1] (NaN does not)."""
    if not bool(((values >= 0) & (values <= 1)).all()):
        raise ValueError(f"{name} must hold values in [0, 1] (found NaN or values outside)")


def broadcastable(**tensors) -> None:
    """Raise ``ValueError`` unless the named tensors broadcast against each other."""
    import torch

    shapes = {name: tuple(t.shape) for name, t in tensors.items()}
    try:
        torch.broadcast_shapes(*shapes.values())
    except RuntimeError:
        raise ValueError(f"{', '.join(shapes)} must broadcast together, got shapes "
                         f"{', '.join(f'{n} {s}' for n, s in shapes.items())}") from None


def samples(value, name: str, *, min_rows: int = 1) -> np.ndarray:
    """Samples of a random vector, one per row: shape (n, d), or (n,) promoted to (n, 1).

    numpy arrays, torch tensors (detached, copied to the CPU) and nested lists of real
    numbers are accepted; the dtype is kept (integers stay integers). Bools, NaN and
    infinity are rejected, and so are fewer than ``min_rows`` rows or zero columns.
    """
    arr = array(value, name)
    if arr.ndim == 1:
        arr = arr[:, None]
    if arr.ndim != 2:
        raise ValueError(f"{name} must have shape (n,) or (n, d) with one sample per row, got shape {arr.shape}")
    if arr.shape[0] < min_rows or arr.shape[1] == 0:
        raise ValueError(f"{name} must hold at least {min_rows} samples of at least one dimension, "
                         f"got shape {arr.shape}")
    finite(arr, name)
    return arr


def paired_samples(x, y, *, min_rows: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """``x`` and ``y`` checked by ``samples``, with the same number of rows (one pair per row)."""
    x, y = samples(x, "x", min_rows=min_rows), samples(y, "y", min_rows=min_rows)
    if len(x) != len(y):
        raise ValueError(f"x and y must hold one sample each per row, got {len(x)} rows of x and {len(y)} of y")
    return x, y
