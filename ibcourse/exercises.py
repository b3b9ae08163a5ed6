"""Checks for the notebooks' exercises.

Each exercise is a stub the learner fills in, followed in the notebook by

    entropy = check.entropy(entropy)

The check runs the learner's function on a few test cases and compares with the
reference. Correct: it prints one line and returns the learner's function.
Wrong or not implemented: it prints what went wrong and a hint (a specific one
when the answer matches a known mistake, such as natural logarithms instead of
base 2) and returns the reference, so the rest of the notebook still runs. With
``IBCOURSE_STRICT=1`` (CI on the full notebooks), or when called with
``strict=True`` (nbgrader's test cells), it raises :class:`ExerciseError` instead.

Grading hook: when the environment variable ``IBCOURSE_GRADE_LOG`` names a file, every
check also appends one JSON line to it, ``{"exercise": "1.1 entropy", "passed": true,
"message": "..."}`` (the message is what the check printed or raised, without the ✓/✗
decoration). ``python -m ibcourse.grading`` sets it for each submission it runs, so the
grades come from the checks themselves, not from parsing printed text.

The learner's function always gets copies of the test inputs (a correct answer that
modifies its input in place is still correct), and the reference is computed on
pristine copies. Beyond the values, an exercise can test the property it names
(``properties``): a reparameterised sample must pass gradients to the mean and the std.
"""

from __future__ import annotations

import copy
import json
import os
import re
import textwrap
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from ibcourse import (
    attacks,
    attention,
    data,
    estimators,
    generalization,
    ground_truth,
    ib,
    info,
    joints,
    knn,
    models,
    neural_mi,
    plugin,
    probes,
    recording,
    strict_mode,
    vib,
)


class ExerciseError(AssertionError):
    """Raised by a check in strict mode when the learner's answer is wrong."""


@dataclass(frozen=True)
class Mistake:
    """A plausible wrong answer: a function that makes it, and the hint for it."""

    hint: str
    answer: Callable


@dataclass(frozen=True)
class Exercise:
    """One exercise: the reference answer, the inputs it is checked on, known mistakes."""

    number: str
    name: str
    reference: Callable
    cases: Sequence[tuple]
    mistakes: Sequence[Mistake]
    hint: str
    rtol: float = 1e-6
    atol: float = 1e-9
    properties: Callable[[Callable], str | None] | None = None
    """Optional test of what the exercise names beyond values: returns a problem, or None."""

    def _same(self, got, want) -> bool:
        if isinstance(got, torch.Tensor):
            got = got.detach().cpu()  # a tensor that requires grad cannot become a numpy array
        try:
            g = np.asarray(got, dtype=np.float64)
        except (TypeError, ValueError):
            return False
        w = np.asarray(want, dtype=np.float64)
        return g.shape == w.shape and bool(np.allclose(g, w, rtol=self.rtol, atol=self.atol, equal_nan=True))

    def diagnose(self, func: Callable) -> str | None:
        """None if ``func`` agrees with the reference on every case, else what is wrong."""
        outputs = []
        for args in self.cases:
            try:
                with np.errstate(all="ignore"):
                    outputs.append(func(*_fresh(args)))
            except NotImplementedError:
                return "not implemented yet: replace the `raise NotImplementedError` line with your code."
            except Exception as err:  # the learner's code may fail in any way; report it
                return f"it raised {type(err).__name__}: {err} (input: {_show(args)})."
        if any(out is None for out in outputs):
            return "it returned None: did you forget the `return` statement?"
        wrong = [i for i, (out, args) in enumerate(zip(outputs, self.cases))
                 if not self._same(out, self.reference(*_fresh(args)))]
        if not wrong:
            return self._check_properties(func)
        explained: dict[str, int] = {}  # hint -> how many wrong cases a known mistake reproduces
        for mistake in self.mistakes:
            with np.errstate(all="ignore"):
                n = sum(self._same(outputs[i], mistake.answer(*_fresh(self.cases[i]))) for i in wrong)
            if n:
                explained[mistake.hint] = max(n, explained.get(mistake.hint, 0))
        if explained:
            best = sorted(explained, key=lambda h: -explained[h])[:2]
            return "wrong answer. " + " ".join(f"Hint: {h}" for h in best)
        i = wrong[0]
        return (f"wrong answer on {len(wrong)} of {len(self.cases)} test cases; for input {_show(self.cases[i])} "
                f"it returned {_show((outputs[i],))}, expected {_show((self.reference(*_fresh(self.cases[i])),))}. "
                f"Hint: {self.hint}")

    def _check_properties(self, func: Callable) -> str | None:
        if self.properties is None:
            return None
        try:
            return self.properties(func)
        except Exception as err:  # the learner's code may fail in any way; report it
            return f"right values, but testing what the exercise asks for raised {type(err).__name__}: {err}."

    @property
    def id(self) -> str:
        """The exercise's number and name, e.g. ``"1.1 entropy"`` (the column of grades.csv)."""
        return f"{self.number} {self.name}"

    def __call__(self, func: Callable, *, strict: bool | None = None) -> Callable:
        """Check ``func``; return it if right, else report and return the reference.

        ``strict``: raise :class:`ExerciseError` on a wrong answer instead of falling back on
        the reference; None (the default) follows ``IBCOURSE_STRICT``.
        """
        if strict is not None and not isinstance(strict, bool):
            raise TypeError(f"strict must be True, False or None, got {strict!r}")
        problem = self.diagnose(func)
        correct = f"correct on all {len(self.cases)} test cases."
        _log_verdict(self.id, problem, correct)
        label = f"Exercise {self.number} ({self.name})"
        if problem is None:
            print(f"✓ {label}: {correct}")
            return func
        if strict_mode() if strict is None else strict:
            raise ExerciseError(f"{label}: {problem}")
        print(textwrap.fill(f"✗ {label}: {problem}", width=90, subsequent_indent="  ", break_long_words=False,
                            replace_whitespace=False),
              "  The reference solution is used from here on, so the notebook keeps running.", sep="\n")
        return self.reference


#: Environment variable naming the file that checks append their verdicts to (JSON lines).
GRADE_LOG = "IBCOURSE_GRADE_LOG"


def _log_verdict(exercise: str, problem: str | None, success: str) -> None:
    """Append ``{"exercise", "passed", "message"}`` to the file named by $IBCOURSE_GRADE_LOG, if set."""
    path = os.environ.get(GRADE_LOG, "")
    if not path:
        return
    line = json.dumps({"exercise": exercise, "passed": problem is None, "message": problem or success},
                      ensure_ascii=False)
    with open(path, "a", encoding="utf-8") as log:
        log.write(line + "\n")


def _fresh(args: tuple) -> tuple:
    """Deep copies of a test case's inputs (arrays, tensors, numbers), so no call can alter the next."""
    return tuple(a.detach().clone() if isinstance(a, torch.Tensor) else copy.deepcopy(a) for a in args)


def _show(args: tuple) -> str:
    text = ", ".join(np.array2string(np.asarray(a), precision=4, separator=", ")
                     if isinstance(a, (np.ndarray, np.generic, list, float)) else repr(a) for a in args)
    return text if len(text) < 300 else text[:300] + " ..."


# ----------------------------------------------------------------------------
# Section 1: the IB principle
# ----------------------------------------------------------------------------
def _plogp(p, log):
    p = np.asarray(p, dtype=float)
    return np.where(p > 0, p * log(np.where(p > 0, p, 1.0)), 0.0)


_DISTRIBUTIONS = [
    (np.array([0.5, 0.5]),),
    (np.array([1.0, 0.0]),),
    (np.array([0.25, 0.25, 0.25, 0.25]),),
    (np.array([0.7, 0.2, 0.1, 0.0]),),
    (np.random.default_rng(11).dirichlet(np.ones(6)),),
    (np.r_[np.full(10_000, 1e-10), 1 - 1e-6],),  # many tiny cells: an epsilon in the log shows here
]

def _tiny_cells_joint() -> np.ndarray:
    """A (2, 10001) joint with 10^4 cells of probability 1e-10, where an epsilon of 1e-12 or more
    added inside a logarithm changes I(X;Y) by more than the checks' tolerance."""
    pxy = np.zeros((2, 10_001))
    pxy[0, 0], pxy[1, 0] = 0.5, 0.5 - 1e-6
    pxy[1, 1:] = 1e-10
    return pxy


_FUDGES = (1e-8, 1e-10, 1e-12)
_FUDGE_HINT = ("no epsilon inside the logarithm: skip the cells where p = 0 instead. An added 1e-10 biases "
               "every result; the test case with 10^4 cells of probability 1e-10 shows it.")


_JOINTS = [
    (np.array([[0.45, 0.05], [0.05, 0.45]]),),
    (np.array([[0.5, 0.0], [0.0, 0.5]]),),
    (np.array([[0.25, 0.25], [0.25, 0.25]]),),
    (np.array([[0.3, 0.0, 0.1], [0.0, 0.2, 0.0], [0.1, 0.1, 0.2]]),),
    (np.random.default_rng(12).dirichlet(np.ones(12)).reshape(4, 3),),
    (_tiny_cells_joint(),),
]


def _mi_with(pxy, log):
    """I(X;Y) computed as H(X) + H(Y) - H(X,Y) with the given logarithm (zeros skipped)."""
    pxy = np.asarray(pxy, dtype=float)
    return -_plogp(pxy.sum(1), log).sum() - _plogp(pxy.sum(0), log).sum() + _plogp(pxy, log).sum()


def _mi_no_skip(pxy):
    pxy = np.asarray(pxy, dtype=float)
    outer = np.outer(pxy.sum(1), pxy.sum(0))
    return np.sum(pxy * np.log2(pxy / outer))


def _mi_fudged(pxy, eps):
    """I(X;Y) with an epsilon added inside the logarithms (the fudge the course warns against)."""
    pxy = np.asarray(pxy, dtype=float)
    outer = np.outer(pxy.sum(1), pxy.sum(0))
    return np.sum(pxy * np.log2((pxy + eps) / (outer + eps)))


_LN2 = float(np.log(2.0))


def _ib_update_with(pxy, encoder, beta, *, prior=True, sign=-1.0, unit=_LN2, normalise=True):
    """The IB update with one piece changed, to recognise a learner's mistake."""
    pxy, enc = np.asarray(pxy, float), np.asarray(encoder, float)
    px = pxy.sum(1)
    pyx = pxy / px[:, None]
    pt = px @ enc
    pyt = (enc * px[:, None]).T @ pyx / pt[:, None]
    kl_bits = info.kl_matrix(pyx, pyt)
    w = (pt[None, :] if prior else 1.0) * np.exp(sign * beta * unit * kl_bits)
    return w / w.sum(axis=1, keepdims=True) if normalise else w


_IB_CASES = [
    (np.array([[0.45, 0.05], [0.05, 0.45]]), np.array([[0.7, 0.3], [0.4, 0.6]]), 3.0),
    (np.array([[0.2, 0.1], [0.1, 0.2], [0.05, 0.35]]), np.array([[0.5, 0.3, 0.2], [0.1, 0.6, 0.3], [0.3, 0.3, 0.4]]), 2.0),
    (np.random.default_rng(13).dirichlet(np.ones(15)).reshape(5, 3),
     np.random.default_rng(14).dirichlet(np.ones(4), size=5), 5.0),
]


def _critical_beta_with(pxy, *, index=1, power=2, normalise=True):
    """1 / s^power of a singular value of the (normalised) joint, to recognise a learner's mistake."""
    pxy = np.asarray(pxy, float)
    q = pxy / np.sqrt(np.outer(pxy.sum(1), pxy.sum(0))) if normalise else pxy
    return 1.0 / np.linalg.svd(q, compute_uv=False)[index] ** power


_CRITICAL_CASES = [
    (np.array([[0.45, 0.05], [0.05, 0.45]]),),
    (np.array([[0.3, 0.1], [0.15, 0.15], [0.05, 0.25]]),),
    (np.random.default_rng(15).dirichlet(np.ones(15)).reshape(5, 3),),
]


def _annealed(pxy, betas, n_updates=300):
    """The reference for the annealing loop: plain IB updates from T = X at the largest beta, warm-started
    downwards; I(X;T) and I(T;Y) in bits at each beta (so a fallback behaves as the exercise's loop would)."""
    pxy = np.asarray(pxy, dtype=float)
    px = pxy.sum(axis=1)
    encoder = np.eye(len(px))
    i_xt, i_ty = np.zeros(len(betas)), np.zeros(len(betas))
    for k in range(len(betas) - 1, -1, -1):
        for _ in range(n_updates):
            encoder = ib.ib_step(pxy, encoder, betas[k])
        i_xt[k] = info.mutual_information(encoder * px[:, None])
        i_ty[k] = info.mutual_information(encoder.T @ pxy)
    return i_xt, i_ty


def _rising_from_trivial(pxy, betas):
    """Annealing upwards from the trivial encoder: a fixed point, so it never leaves I = 0."""
    return np.zeros(len(betas)), np.zeros(len(betas))


_ANNEAL_CASES = [
    (np.array([[0.45, 0.05], [0.05, 0.45]]), np.array([1.2, 2.5, 6.0])),
    (np.random.default_rng(5).dirichlet(np.ones(18)).reshape(6, 3), np.geomspace(1.5, 30, 5)),
    (joints.noisy_labels((5, 4, 3), (0.4, 0.95)),
     np.array([1.5, 4.0, 12.0, 40.0])),
]


# ----------------------------------------------------------------------------
# Section 2: the information plane
# ----------------------------------------------------------------------------
def _binned_reference(t, y, n_bins):
    result = estimators.binned_information(t, y, bins=n_bins, value_range=(-1.0, 1.0))
    return (result.i_xt, result.i_ty)


def _symbol_information(index, y, *, log=np.log2, per_unit=False, conditional=False, uniform=False):
    """(H(T), I(T;Y)) of the rows of ``index`` as symbols, with one piece changed to recognise a mistake.

    per_unit: units as independent symbols (a sum of per-unit entropies); conditional: return
    H(T|Y) in place of I(T;Y); uniform: log of the number of distinct rows in place of H.
    """
    index, y = np.asarray(index), np.asarray(y)

    def h(rows):
        counts = np.unique(rows, axis=0, return_counts=True)[1]
        if uniform:
            return float(log(len(counts)))
        p = counts / counts.sum()
        return float(-np.sum(p * log(p)))

    if per_unit:
        h_t = sum(h(index[:, [k]]) for k in range(index.shape[1]))
        h_t_y = sum(np.mean(y == c) * sum(h(index[y == c][:, [k]]) for k in range(index.shape[1]))
                    for c in np.unique(y))
    else:
        h_t = h(index)
        h_t_y = sum(np.mean(y == c) * h(index[y == c]) for c in np.unique(y))
    return (h_t, h_t_y if conditional else h_t - h_t_y)


def _binned_with(t, y, n_bins, *, edges=None, **changes):
    """The binned estimator with one piece changed, to recognise a learner's mistake."""
    t = np.asarray(t, float)
    if edges is None:
        index = np.clip(np.floor((t + 1) / (2 / n_bins)), 0, n_bins - 1).astype(int)
    else:
        index = np.digitize(t, edges)
    return _symbol_information(index, y, **changes)


def _layer_case(seed, n, units, classes, scale):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, classes, size=n)
    t = np.tanh(scale * rng.normal(size=(n, units)) + 0.8 * y[:, None])
    return (t, y, 8 if units > 2 else 30)


_BINNED_CASES = [_layer_case(21, 64, 1, 2, 1.0), _layer_case(22, 256, 3, 2, 0.7),
                 _layer_case(23, 512, 2, 3, 2.0), _layer_case(24, 400, 4, 2, 0.3)]


def _exact_reference(t, y):
    result = estimators.exact_information(t, y)
    return (result.i_xt, result.i_ty)


def _exact_case(seed, kind):
    """A float32 layer with ties of the kinds that real layers have, and its labels."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, size=300)
    pre = rng.normal(size=(300, 3)).astype(np.float32) + 0.6 * y[:, None]
    if kind == "relu":  # many rows are exactly the zero vector
        t = np.maximum(pre - 0.9, 0)
    elif kind == "saturated":  # float32 tanh hits exactly +-1 for |x| > 9; near-ties differ by < 1e-4
        t = np.tanh(8 * pre[:, :2])
        t[:40] = t[40:80] + np.float32(3e-5)
    elif kind == "signed zeros":  # -0.0 and 0.0 are the same number
        t = np.maximum(pre - 0.5, 0) * np.where(rng.random(pre.shape) < 0.5, -1, 1).astype(np.float32)
        t = np.where(t == 0, np.where(rng.random(t.shape) < 0.5, np.float32(-0.0), np.float32(0.0)), np.abs(t))
    else:  # few distinct values, dependent units
        t = np.repeat(rng.integers(0, 3, size=(300, 1)), 2, axis=1).astype(np.float32)
        t[:, 1] += (y > 0) * (rng.random(300) < 0.3)
    return (t.astype(np.float32), y)


_EXACT_CASES = [_exact_case(51, "relu"), _exact_case(52, "saturated"), _exact_case(53, "few"),
                _exact_case(54, "signed zeros")]


def _kde_upper_reference(t, noise_var):
    """The KDE upper bound alone (bits): the machinery of estimators.kde_information, one kernel width, one class."""
    t, _ = estimators._check_layer(t, np.zeros(len(t), dtype=np.int64))
    if isinstance(noise_var, bool) or not (isinstance(noise_var, (int, float, np.floating)) and 0 < noise_var < np.inf):
        raise ValueError(f"noise_var must be a positive number, got {noise_var!r}")
    h = torch.as_tensor(np.asarray(t, dtype=np.float64))
    (log_sums,) = estimators._class_log_sum_kernels(h, torch.zeros(len(h), dtype=torch.int64), (2 * noise_var,), 1024)
    return -float((log_sums[:, 0] - np.log(len(h))).mean()) / _LN2


def _kde_upper_with(t, noise_var, *, scale=2.0, power=2, var_is_std=False, keep_self=True, jensen=False,
                    unit=_LN2):
    """The KDE upper bound with one piece changed, to recognise a learner's mistake."""
    t = np.asarray(t, float)
    dist = np.sqrt(np.sum((t[:, None, :] - t[None, :, :]) ** 2, axis=-1))
    var = noise_var ** 2 if var_is_std else noise_var
    kernel = np.exp(-dist ** power / (scale * var))
    if not keep_self:
        np.fill_diagonal(kernel, 0.0)
    n_j = len(t) if keep_self else len(t) - 1
    mean_j = kernel.sum(axis=1) / n_j
    nats = -np.log(mean_j.mean()) if jensen else -np.mean(np.log(mean_j))
    return nats / unit


def _kde_case(seed, n, units, noise_var):
    rng = np.random.default_rng(seed)
    return (np.tanh(rng.normal(size=(n, units)) * 1.5), noise_var)


_KDE_CASES = [(np.array([[0.0], [0.5], [2.0]]), 0.1), _kde_case(61, 50, 3, 0.1), _kde_case(62, 80, 2, 0.5),
              _kde_case(63, 120, 5, 0.02)]


class _Branches(nn.Module):
    """A small model that is not an nn.Sequential: two branches joined in forward."""

    def __init__(self, seed: int):
        super().__init__()
        self.left = nn.Linear(4, 3)
        self.right = nn.Sequential(nn.Linear(4, 5), nn.Tanh())
        self.head = nn.Linear(8, 2)
        gen = torch.Generator().manual_seed(seed)
        with torch.no_grad():
            for parameter in self.parameters():
                parameter.copy_(torch.randn(parameter.shape, generator=gen))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(torch.cat([self.left(x), self.right(x)], dim=1))


def _recorder_case(seed, names):
    return (_Branches(seed), torch.randn(6, 4, generator=torch.Generator().manual_seed(seed + 100)), names)


_RECORDER_CASES = [_recorder_case(71, ["right.1", "head"]), _recorder_case(72, ["left", "right.0", "right.1"]),
                   (models.MLPEnsemble((12, 5, 3, 2), ["tanh", "relu"], [0, 1]),
                    torch.from_numpy(data.szt_12bit()[0][::256].copy()), ["act1", "act2", "linear3"])]


def _record_with(model, inputs, names, *, what="output"):
    """A hook recorder with one piece changed, to recognise a learner's mistake."""
    modules = dict(model.named_modules())
    captured = {}

    def hook_for(name):
        def hook(module, args, output):
            captured[name] = (args[0] if what == "input" else output).detach().numpy().copy()
        return hook

    targets = {name: (model if what == "model" else modules[name]) for name in names}
    handles = [targets[name].register_forward_hook(hook_for(name)) for name in names]
    try:
        with torch.no_grad():
            model(inputs)
    finally:
        for handle in handles:
            handle.remove()
    return captured


def _as_float_arrays(value) -> dict[str, np.ndarray] | None:
    """A mapping of layer name -> array as float64 arrays (tensors detached); None if it is not one."""
    if not isinstance(value, Mapping):
        return None
    return {name: np.asarray(v.detach().cpu() if isinstance(v, torch.Tensor) else v, dtype=np.float64)
            for name, v in value.items()}


@dataclass(frozen=True)
class _LayerDictExercise(Exercise):
    """An exercise whose answer is a dict of layer name -> array, compared on the expected layers
    (extra layers are left to the ``properties`` test, which names that mistake)."""

    def _same(self, got, want) -> bool:
        try:
            got = _as_float_arrays(got)
        except (TypeError, ValueError, RuntimeError):
            return False
        want = _as_float_arrays(want)
        return (got is not None and set(want) <= set(got)
                and all(got[k].shape == want[k].shape and np.allclose(got[k], want[k], rtol=self.rtol, atol=self.atol)
                        for k in want))


def _recorder_properties(func) -> str | None:
    """None when the recorder removes its hooks and returns numpy arrays of exactly the named layers."""
    model = _Branches(7)
    inputs = torch.randn(5, 4, generator=torch.Generator().manual_seed(8))
    first = func(model, inputs, ["left", "right.1"])
    if set(first) != {"left", "right.1"}:
        return (f"asked for ['left', 'right.1'], it returned {sorted(first)}: return only the named layers, "
                "from a dict made fresh at each call.")
    left_over = [name or "the model" for name, module in model.named_modules() if module._forward_hooks]
    if left_over:
        return (f"right values, but hooks are still attached to {left_over} after the call. Keep the handle that "
                "register_forward_hook returns and call handle.remove() (in a finally: block), or every "
                "training step afterwards runs the hook too.")
    not_arrays = sorted({type(v).__name__ for v in first.values() if not isinstance(v, np.ndarray)})
    if not_arrays:
        return f"right values, but return numpy arrays (output.detach().cpu().numpy()), not {not_arrays}."
    second = func(model, inputs, ["head"])
    if set(second) != {"head"}:
        return (f"asked for ['head'] after ['left', 'right.1'], it returned {sorted(second)}: return only the "
                "named layers, from a dict made fresh at each call.")
    return None


# ----------------------------------------------------------------------------
# Section 4: the Deep Variational IB
# ----------------------------------------------------------------------------
def _gaussian_case(seed, shape):
    gen = torch.Generator().manual_seed(seed)
    return (torch.randn(*shape, generator=gen), torch.rand(*shape, generator=gen) * 2 + 0.05)


_GAUSSIAN_CASES = [(torch.zeros(2, 3), torch.ones(2, 3)), (torch.tensor([[1.0, -2.0]]), torch.tensor([[0.5, 2.0]])),
                   _gaussian_case(31, (4, 5)), _gaussian_case(32, (3, 1))]


def _kl_with(mean, std, *, unit=_LN2, reduce="sum", log_var=True, minus_one=True, std_is_var=False):
    """The Gaussian KL with one piece changed, to recognise a learner's mistake."""
    var = std if std_is_var else std ** 2
    log_term = torch.log(var) if log_var else torch.log(std)
    per_dim = 0.5 * (var + mean ** 2 - (1.0 if minus_one else 0.0) - log_term) / unit
    return per_dim.sum(-1) if reduce == "sum" else per_dim.mean(-1)


_REPARAM_CASES = [(*_gaussian_case(41, (3, 2)), torch.randn(3, 2, generator=torch.Generator().manual_seed(42))),
                  (torch.tensor([0.0, 1.0]), torch.tensor([2.0, 0.5]), torch.tensor([1.0, -1.0])),
                  (*_gaussian_case(43, (5, 4)), torch.randn(5, 4, generator=torch.Generator().manual_seed(44)))]


def _reparameterised_gradients(func) -> str | None:
    """None when d z / d mean = 1 and d z / d std = eps for z = func(mean, std, eps), else what is wrong."""
    mean = torch.tensor([0.5, -1.0, 2.0], requires_grad=True)
    std = torch.tensor([1.5, 0.2, 1.0], requires_grad=True)
    eps = torch.tensor([0.3, -1.2, 0.7])
    z = func(mean, std, eps)
    if not isinstance(z, torch.Tensor) or not z.requires_grad:
        return ("right values, but no gradient reaches mean and std: the sample is cut off from the graph "
                "(a .detach(), torch.no_grad(), a numpy detour or a fresh torch.normal). "
                "Build z from mean and std with tensor arithmetic.")
    z.sum().backward()
    if mean.grad is None or std.grad is None:
        return "right values, but the gradient does not reach " + ("mean" if mean.grad is None else "std") + "."
    if not (torch.allclose(mean.grad, torch.ones(3)) and torch.allclose(std.grad, eps)):
        return (f"right values, but the gradients are wrong: dz/dmean = {mean.grad.tolist()} (expected 1 each), "
                f"dz/dstd = {std.grad.tolist()} (expected eps = {eps.tolist()}).")
    return None


def _vib_loss_with(logits, y, mean, std, beta, *, ce_unit=_LN2, kl_unit=_LN2, kl_reduce="sum", kl_batch="mean",
                   ce_batch="mean", beta_on_ce=False, log_probs="log_softmax"):
    """One model's VIB loss CE + beta KL with one piece changed, to recognise a learner's mistake."""
    if log_probs == "log_softmax":
        log_p = torch.log_softmax(logits, dim=-1)
    elif log_probs == "raw":  # logits taken for log-probabilities
        log_p = logits
    else:  # softmax applied twice
        log_p = torch.log_softmax(torch.softmax(logits, dim=-1), dim=-1)
    picked = -log_p.gather(1, y[:, None])[:, 0] / ce_unit
    ce = picked.mean() if ce_batch == "mean" else picked.sum()
    per_dim = 0.5 * (std ** 2 + mean ** 2 - 1 - torch.log(std ** 2)) / kl_unit
    kl = per_dim.sum(-1) if kl_reduce == "sum" else per_dim.mean(-1)
    kl = kl.mean() if kl_batch == "mean" else kl.sum()
    return beta * ce + kl if beta_on_ce else ce + beta * kl


def _vib_loss_reference(logits, y, mean, std, beta):
    """CE (bits, averaged over the rows of logits) + beta * KL (bits, summed over dims, averaged over rows)."""
    return _vib_loss_with(logits, y, mean, std, beta)


def _vib_loss_case(seed, batch, classes, k, beta):
    gen = torch.Generator().manual_seed(seed)
    return (torch.randn(batch, classes, generator=gen) * 2, torch.randint(0, classes, (batch,), generator=gen),
            torch.randn(batch, k, generator=gen), torch.rand(batch, k, generator=gen) * 1.5 + 0.1, beta)


_VIB_LOSS_CASES = [_vib_loss_case(51, 6, 10, 4, 0.1), _vib_loss_case(52, 3, 4, 2, 2.0),
                   _vib_loss_case(53, 20, 5, 8, 1e-3), _vib_loss_case(54, 1, 3, 3, 0.5)]


def _vib_loss_gradients(func) -> str | None:
    """None when func returns a torch scalar whose gradients match the reference's, else what is wrong."""
    logits, y, mean, std, beta = _fresh(_VIB_LOSS_CASES[0])
    inputs = [t.requires_grad_() for t in (logits, mean, std)]
    value = func(logits, y, mean, std, beta)
    if not isinstance(value, torch.Tensor) or value.ndim != 0:
        return ("right values, but return a torch scalar (a 0-d tensor, e.g. from .mean()): the notebook trains "
                "with it, so it must be a tensor that .backward() can follow.")
    if not value.requires_grad:
        return ("right values, but no gradient reaches logits, mean and std (a .item(), .detach(), numpy detour "
                "or torch.no_grad()): the optimiser could not learn from it.")
    got = torch.autograd.grad(value, inputs, allow_unused=True)
    ref_inputs = [t.detach().clone().requires_grad_() for t in (logits, mean, std)]
    want = torch.autograd.grad(_vib_loss_reference(ref_inputs[0], y, ref_inputs[1], ref_inputs[2], beta), ref_inputs)
    for name, g, w in zip(("logits", "mean", "std"), got, want):
        if g is None or not torch.allclose(g, w, rtol=1e-4, atol=1e-6):
            return f"right values, but the gradient with respect to {name} is wrong or missing."
    return None


def _predict_reference(logits):
    """The class of highest softmax probability averaged over the samples: (samples, batch, classes) -> (batch,)."""
    return torch.softmax(logits, dim=-1).mean(dim=0).argmax(dim=-1)


def _predict_case(seed, samples, batch, classes, scale):
    return (torch.randn(samples, batch, classes, generator=torch.Generator().manual_seed(seed)) * scale,)


_PREDICT_CASES = [_predict_case(61, 5, 300, 4, 3.0), _predict_case(62, 12, 200, 10, 2.0),
                  _predict_case(63, 3, 400, 3, 4.0)]


def _majority_vote(logits):
    return torch.mode(logits.argmax(dim=-1), dim=0).values


def _rate_reference(mean, std):
    return vib.rate_per_dimension(mean, std)


def _rate_with(mean, std, *, unit=_LN2, data="mean", dims="keep", log_var=True):
    """The per-dimension rate with one piece changed, to recognise a learner's mistake."""
    log_term = torch.log(std ** 2) if log_var else torch.log(std)
    per = 0.5 * (std ** 2 + mean ** 2 - 1 - log_term) / unit  # (n, K)
    if dims == "mean":
        return per.mean(-1)
    if dims == "sum":
        return per.sum(-1).mean()
    return per.mean(0) if data == "mean" else per.sum(0)


_RATE_CASES = [_gaussian_case(71, (50, 4)), _gaussian_case(72, (7, 3)), _gaussian_case(73, (200, 16)),
               (torch.zeros(5, 2), torch.ones(5, 2))]

# ----------------------------------------------------------------------------
# Section 6: applications
# ----------------------------------------------------------------------------
def _rank_case(seed, n, shifts, stds):
    """Posterior means N(0, shift_k^2) across inputs and stds around std_k: dims with known rates and variances."""
    gen = torch.Generator().manual_seed(seed)
    shifts, stds = torch.tensor(shifts), torch.tensor(stds)
    mean = torch.randn(n, len(shifts), generator=gen) * shifts
    std = stds * torch.exp(0.1 * torch.randn(n, len(stds), generator=gen))
    return (mean, std)


_RANK_CASES = [  # each ranking mistake (reversed, by variance, by the spread of the means) orders these otherwise
    _rank_case(111, 300, [2.0, 0.0, 1.5, 0.3, 0.5], [0.3, 1.0, 1.0, 0.05, 0.9]),  # dim 1 sits at the prior
    _rank_case(112, 200, [3.0, 0.1, 0.2, 0.0, 1.0, 0.6], [1.0, 0.1, 0.6, 1.0, 0.5, 0.95]),
    _rank_case(113, 100, [0.1, 2.5, 0.4, 1.0], [0.99, 0.9, 0.08, 0.5]),
]


def _ranked(scores):
    return torch.argsort(scores, descending=True, stable=True)


def _as_tensors(value):
    """A tuple or list of arrays/tensors as float64 numpy arrays; None if it is not one."""
    if not isinstance(value, (tuple, list)):
        return None
    return [np.asarray(v.detach().cpu() if isinstance(v, torch.Tensor) else v, dtype=np.float64) for v in value]


@dataclass(frozen=True)
class _ArraysExercise(Exercise):
    """An exercise whose answer is a tuple of arrays of different shapes, compared one by one."""

    def _same(self, got, want) -> bool:
        try:
            got = _as_tensors(got)
        except (TypeError, ValueError, RuntimeError):
            return False
        want = _as_tensors(want)
        return (got is not None and len(got) == len(want)
                and all(g.shape == w.shape and np.allclose(g, w, rtol=self.rtol, atol=self.atol)
                        for g, w in zip(got, want)))


def _prune_with(w_heads, b_heads, w_decoder, keep, *, std_offset=True, stds=True, decoder="rows", bias=True):
    """The smaller layers with one piece changed, to recognise a learner's mistake."""
    k = w_decoder.shape[0]
    columns = torch.cat([keep, keep + (k if std_offset else 0)]) if stds else keep
    smaller_decoder = w_decoder[keep] if decoder == "rows" else w_decoder[:, keep]
    return w_heads[:, columns], b_heads[columns] if bias else b_heads, smaller_decoder


def _prune_case(seed, hidden, k, out, keep):
    gen = torch.Generator().manual_seed(seed)
    return (torch.randn(hidden, 2 * k, generator=gen), torch.randn(2 * k, generator=gen),
            torch.randn(k, out, generator=gen), torch.tensor(keep))


_PRUNE_CASES = [_prune_case(121, 6, 4, 3, [0, 2]), _prune_case(122, 5, 6, 10, [1, 2, 5]),
                _prune_case(123, 3, 3, 2, [1]), _prune_case(124, 4, 5, 5, [0, 1, 2, 3, 4])]

_FGSM_WEIGHT = torch.randn(6, 3, generator=torch.Generator().manual_seed(131))


def _fgsm_loss(x, y):
    """Per-example cross-entropy (bits) of a fixed linear classifier of 6 inputs, 3 classes."""
    return torch.nn.functional.cross_entropy(x @ _FGSM_WEIGHT, y, reduction="none") / _LN2


def _fgsm_case(seed, n, epsilon):
    gen = torch.Generator().manual_seed(seed)
    x = torch.rand(n, 6, generator=gen)
    x[x < 0.2] = 0.0  # pixels at the edges of the range, where clipping matters
    x[x > 0.85] = 1.0
    return (_fgsm_loss, x, torch.randint(0, 3, (n,), generator=gen), epsilon)


_FGSM_CASES = [_fgsm_case(132, 20, 0.1), _fgsm_case(133, 15, 0.3), _fgsm_case(134, 10, 0.0),
               _fgsm_case(135, 30, 0.05)]


def _fgsm_with(loss, x, y, epsilon, *, sign=1.0, clip=True, direction="sign"):
    """FGSM with one piece changed, to recognise a learner's mistake."""
    x = x.detach().clone().requires_grad_(True)
    (grad,) = torch.autograd.grad(loss(x, y).sum(), x)
    step = grad.sign() if direction == "sign" else grad / grad.norm(dim=-1, keepdim=True).clamp(min=1e-12) \
        if direction == "l2" else grad
    out = x.detach() + sign * epsilon * step
    return out.clamp(0.0, 1.0) if clip else out


def _fgsm_properties(func) -> str | None:
    """None when func raises the loss of a fresh case, stays in the ball and the range, and leaves x alone."""
    loss, x, y, epsilon = _fresh(_fgsm_case(136, 25, 0.2))
    original = x.clone()
    adversarial = func(loss, x, y, epsilon)
    if not torch.equal(x, original):
        return "right values, but it changed the clean inputs x in place: work on a copy (x.clone())."
    if not isinstance(adversarial, torch.Tensor):
        return "right values, but return a torch tensor like x."
    if bool((adversarial - original).abs().max() > epsilon + 1e-6):
        return "right values, but the result leaves the epsilon ball around x."
    if not bool(loss(adversarial, y).sum() > loss(original, y).sum()):
        return "right values, but the loss did not rise on a fresh case."
    return None


def _contributions_case(seed, n, k, scale):
    gen = torch.Generator().manual_seed(seed)
    return (torch.randn(k, 2, generator=gen) * scale, torch.randn(n, k, generator=gen) * 2)


_CONTRIBUTION_CASES = [_contributions_case(141, 5, 4, 1.0), _contributions_case(142, 8, 3, 3.0),
                       _contributions_case(143, 1, 6, 0.5)]


def _contributions_with(weight, z, *, unit=_LN2, classes=(1, 0), total=False):
    per_dim = z * (weight[:, classes[0]] - (weight[:, classes[1]] if classes[1] is not None else 0.0)) / unit
    return per_dim.sum(-1) if total else per_dim


def _dib_step_with(pxy, labels, beta, *, prior=True, log=np.log2, weights="px", choose=np.argmax):
    """One DIB reassignment with one piece changed, to recognise a learner's mistake."""
    pxy, labels = np.asarray(pxy, dtype=float), np.asarray(labels)
    px = pxy.sum(1)
    pyx = pxy / px[:, None]
    n_t = len(px)
    mass = px if weights == "px" else np.full(len(px), 1.0 / len(px))
    pt = np.bincount(labels, weights=mass, minlength=n_t)
    joint_ty = np.zeros((n_t, pxy.shape[1]))
    np.add.at(joint_ty, labels, pxy if weights == "px" else pyx * mass[:, None])
    used = pt > 0
    pyt = np.where(used[:, None], joint_ty / np.where(used, pt, 1.0)[:, None], 0.0)
    kl = np.full((len(px), n_t), np.inf)
    kl[:, used] = info.kl_matrix(pyx, pyt[used])
    with np.errstate(divide="ignore"):
        log_prior = log(pt) if prior else np.where(used, 0.0, -np.inf)
    score = np.where(used[None, :], log_prior[None, :] - beta * kl, -np.inf)
    if choose is np.argmin:
        score = np.where(used[None, :], score, np.inf)
    return choose(score, axis=1)


def _dib_case(seed, n_x, n_y, beta, n_used):
    rng = np.random.default_rng(seed)
    pxy = rng.dirichlet(np.full(n_x * n_y, 0.5)).reshape(n_x, n_y)
    return (pxy, rng.integers(0, n_used, size=n_x), beta)


_DIB_CASES = [_dib_case(151, 8, 3, 2.0, 4), _dib_case(152, 12, 4, 5.0, 6), _dib_case(153, 6, 2, 1.0, 6),
              _dib_case(154, 10, 5, 0.5, 3), (joints.noisy_labels() / joints.noisy_labels().sum(), np.arange(32) % 5,
                                              3.0)]


# ----------------------------------------------------------------------------
# Appendix A1: estimating mutual information
# ----------------------------------------------------------------------------
def _plugin_with(x, y, miller_madow, *, unit=_LN2, sign=1.0, support="observed", half=True, flag=True):
    """The plug-in estimate (bits) with one piece changed, to recognise a learner's mistake."""
    x, y = np.asarray(x), np.asarray(y)
    sx, sy = np.unique(x, return_inverse=True)[1], np.unique(y, return_inverse=True)[1]
    n = len(sx)

    def h(symbols):
        counts = np.bincount(symbols)
        p = counts[counts > 0] / n
        return -np.sum(p * np.log(p)), len(p)

    (h_x, m_x), (h_y, m_y) = h(sx), h(sy)
    h_xy, m_xy = h(sx * (sy.max() + 1) + sy)
    nats = h_x + h_y - h_xy
    if miller_madow and flag:
        cells = (m_xy - 1) - (m_x - 1) - (m_y - 1) if support == "observed" else (m_x - 1) * (m_y - 1)
        nats -= sign * cells / ((2 if half else 1) * n)
    return nats / unit


def _table_case(seed, pxy, n, miller_madow):
    return (*ground_truth.sample_table(pxy, n, seed=seed), miller_madow)


_SPARSE_TABLE = np.random.default_rng(5).dirichlet(np.full(30, 0.3)).reshape(5, 6)  # some cells rarely drawn
_PLUGIN_CASES = [
    (np.array([0, 0, 1, 1]), np.array([0, 1, 0, 1]), False),
    (np.array([0, 0, 1, 1]), np.array([0, 1, 0, 1]), True),
    (np.array([3, 7, 100, 3, 7, 100]), np.array([1, 2, 5, 1, 2, 5]), True),
    _table_case(81, _SPARSE_TABLE, 40, False),
    _table_case(82, _SPARSE_TABLE, 40, True),
    _table_case(83, joints.discretised_gaussian(0.7, n=6, width=2.0), 200, True),
]


def _ksg_with(x, y, k, *, unit=_LN2, p=np.inf, inclusive=False, self_in_counts=False, joint_k=1, plus_one=True):
    """The KSG estimate (bits) with one piece changed, to recognise a learner's mistake."""
    from scipy.spatial import cKDTree
    from scipy.special import digamma

    x, y = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
    x, y = x.reshape(len(x), -1), y.reshape(len(y), -1)
    joint = np.hstack([x, y])
    eps = cKDTree(joint).query(joint, k=[k + joint_k], p=p)[0][:, 0]
    radius = eps if inclusive else np.nextafter(eps, 0)
    counts = [cKDTree(v).query_ball_point(v, radius, p=p, return_length=True) - (0 if self_in_counts else 1)
              for v in (x, y)]
    shift = 1 if plus_one else 0
    nats = digamma(k) + digamma(len(x)) - np.mean(digamma(counts[0] + shift) + digamma(counts[1] + shift))
    return nats / unit


def _ksg_case(seed, n, dx, dy, rho, k):
    x, y = ground_truth.correlated_gaussians(n, max(dx, dy), rho, seed=seed)
    return (x[:, :dx].numpy(), y[:, :dy].numpy(), k)


_KSG_CASES = [_ksg_case(91, 200, 1, 1, 0.8, 3), _ksg_case(92, 300, 2, 2, 0.6, 3), _ksg_case(93, 250, 3, 1, 0.9, 5),
              _ksg_case(94, 100, 1, 1, 0.0, 2)]


def _scores_case(seed, n, signal):
    gen = torch.Generator().manual_seed(seed)
    return (torch.randn(n, n, generator=gen, dtype=torch.float64) + signal * torch.eye(n, dtype=torch.float64),)


_SCORES_CASES = [_scores_case(101, 4, 0.0), _scores_case(102, 8, 3.0), _scores_case(103, 16, 6.0),
                 (torch.tensor([[2.0, -1.0, 0.5], [0.0, 1.0, -2.0], [1.5, 0.3, 4.0]], dtype=torch.float64),)]


def _log_mean_exp_off(scores, *, keep_diagonal=False, count=True):
    n = scores.shape[-1]
    off = scores if keep_diagonal else scores.masked_fill(torch.eye(n, dtype=torch.bool), -torch.inf)
    cells = n * n if keep_diagonal else n * (n - 1)
    return torch.logsumexp(off.flatten(), 0) - (np.log(cells) if count else 0.0)


def _infonce_with(scores, *, unit=_LN2, log_n=True, dim=1, keep_diagonal=True):
    n = scores.shape[-1]
    denominator = scores if keep_diagonal else scores.masked_fill(torch.eye(n, dtype=torch.bool), -torch.inf)
    nats = (torch.diagonal(scores) - torch.logsumexp(denominator, dim=dim)).mean() + (np.log(n) if log_n else 0.0)
    return nats / unit


def _dv_with(scores, *, unit=_LN2, keep_diagonal=False, marginal="log_mean_exp", count=True):
    joint = torch.diagonal(scores).mean()
    if marginal == "mean":
        n = scores.shape[-1]
        marginal_term = scores[~torch.eye(n, dtype=torch.bool)].mean()
    elif marginal == "mean_exp":
        marginal_term = torch.exp(_log_mean_exp_off(scores))
    else:
        marginal_term = _log_mean_exp_off(scores, keep_diagonal=keep_diagonal, count=count)
    return (joint - marginal_term) / unit


def _bound_gradients(reference):
    """A property test: the learner's bound is a 0-d torch tensor whose gradient matches the reference's."""

    def test(func) -> str | None:
        (scores,) = _fresh(_SCORES_CASES[1])
        scores.requires_grad_()
        value = func(scores)
        if not isinstance(value, torch.Tensor) or value.ndim != 0:
            return ("right values, but return a torch scalar (a 0-d tensor): notebook 6 maximises this bound "
                    "with an optimiser, so it must be a tensor that .backward() can follow.")
        if not value.requires_grad:
            return ("right values, but no gradient reaches the scores (a .item(), .detach(), numpy detour or "
                    "torch.no_grad()): a critic could not be trained with it.")
        (got,) = torch.autograd.grad(value, scores, allow_unused=True)
        if got is None:
            return "right values, but the result is cut off from the scores: no gradient reaches them."
        ref_scores = scores.detach().clone().requires_grad_()
        (want,) = torch.autograd.grad(reference(ref_scores), ref_scores)
        if not torch.allclose(got, want, rtol=1e-6, atol=1e-9):
            return "right values, but the gradient with respect to the scores is wrong."
        return None

    return test


# ----------------------------------------------------------------------------
# Section 5: architectures
# ----------------------------------------------------------------------------
def _class_rate_case(seed, n, classes):
    rng = np.random.default_rng(seed)
    labels = np.r_[np.arange(classes), rng.integers(0, classes, n - classes)]  # every class occurs
    rng.shuffle(labels)
    kl = rng.gamma(2.0, 1.0 + labels, size=n)  # classes differ in rate
    return (kl, labels, classes)


_CLASS_RATE_CASES = [(np.array([1.0, 3.0, 2.0, 6.0]), np.array([0, 0, 1, 1]), 2), _class_rate_case(81, 40, 3),
                     _class_rate_case(82, 300, 10), _class_rate_case(83, 25, 5)]


def _rate_by_class_with(kl, labels, n_classes, *, reduce="mean"):
    """The per-class rate with one piece changed, to recognise a learner's mistake."""
    kl, labels = np.asarray(kl, float), np.asarray(labels)
    sums = np.bincount(labels, weights=kl, minlength=n_classes)
    if reduce == "sum":
        return sums
    if reduce == "share":
        return sums / len(kl)
    return np.full(n_classes, kl.mean())


def _attention_case(seed, shape, sharp):
    logits = torch.randn(*shape, generator=torch.Generator().manual_seed(seed)) * sharp
    return (torch.softmax(logits, dim=-1),)


def _one_hot_rows():
    """Rows with exact zeros: one-hot, two-hot and uniform attention (0 log 0 = 0 matters here)."""
    w = torch.zeros(3, 5)
    w[0, 2] = 1.0
    w[1, [0, 4]] = 0.5
    w[2] = 0.2
    return (w,)


_ENTROPY_CASES = [_one_hot_rows(), _attention_case(91, (4, 2, 7), 1.0), _attention_case(92, (3, 6, 9), 4.0),
                  _attention_case(93, (2, 3, 4, 4), 0.3)]


def _entropy_with(weights, *, log=torch.log2, axis=-1, normalise=False, skip_zeros=True):
    """Attention entropy with one piece changed, to recognise a learner's mistake."""
    w = torch.as_tensor(weights, dtype=torch.float64)
    terms = w * log(torch.where(w > 0, w, torch.ones_like(w)) if skip_zeros else w)
    h = -terms.sum(axis)
    return h / np.log2(w.shape[-1]) if normalise else h


def _mass_case(seed, batch, heads, length, relevant):
    gen = torch.Generator().manual_seed(seed)
    weights = torch.softmax(torch.randn(batch, heads, length, generator=gen) * 2, dim=-1)
    mask = torch.zeros(batch, 1, length, dtype=torch.bool)
    for b in range(batch):
        mask[b, 0, torch.randperm(length, generator=gen)[:relevant]] = True
    return (weights, mask)


_MASS_CASES = [_mass_case(101, 5, 2, 8, 2), _mass_case(102, 3, 4, 13, 3), _mass_case(103, 6, 1, 5, 1),
               _mass_case(104, 4, 3, 10, 4)]


def _mass_with(weights, relevant, *, reduce="sum", complement=False):
    """The relevant mass with one piece changed, to recognise a learner's mistake."""
    w, r = torch.as_tensor(weights, dtype=torch.float64), torch.as_tensor(relevant)
    r = ~r if complement else r
    picked = (w * r).sum(-1)
    if reduce == "mean":
        return picked / w.shape[-1]
    if reduce == "per relevant":
        return picked / r.sum(-1)
    return picked


def _probe_case(seed, n, classes, skew):
    rng = np.random.default_rng(seed)
    prior = np.exp(-skew * np.arange(classes))
    labels = rng.choice(classes, size=n, p=prior / prior.sum())
    labels[:classes] = np.arange(classes)
    logits = rng.normal(size=(n, classes)) + 1.5 * np.eye(classes)[labels]
    return (logits - np.logaddexp.reduce(logits, axis=1, keepdims=True), labels)


_PROBE_CASES = [_probe_case(111, 50, 2, 1.0), _probe_case(112, 200, 4, 0.7), _probe_case(113, 120, 10, 0.2),
                (np.log(np.array([[0.5, 0.5], [0.9, 0.1], [0.2, 0.8]])), np.array([0, 0, 1]))]


def _probe_with(log_probs, labels, *, unit=_LN2, h_y="frequencies", pick=True, sign=1.0, h_log=np.log2):
    """The probe bound with one piece changed, to recognise a learner's mistake."""
    lp, y = np.asarray(log_probs, float), np.asarray(labels)
    ce = -(lp[np.arange(len(y)), y].mean() if pick else lp.mean()) / unit
    if h_y == "none":
        return sign * ce
    p = np.bincount(y, minlength=lp.shape[1]) / len(y)
    h = np.log2(lp.shape[1]) if h_y == "uniform" else float(-np.sum(p[p > 0] * h_log(p[p > 0])))
    return sign * (h - ce)


# ----------------------------------------------------------------------------
# Section 3: compression and generalization
# ----------------------------------------------------------------------------
@dataclass(frozen=True)
class _PropertyExercise(Exercise):
    """An exercise whose answer is random: judged by the properties it must have, one test per entry of
    ``cases`` (each a function of the learner's answer returning a problem, or None)."""

    def diagnose(self, func: Callable) -> str | None:
        for test in self.cases:
            try:
                problem = test(func)
            except NotImplementedError:
                return "not implemented yet: replace the `raise NotImplementedError` line with your code."
            except Exception as err:  # the learner's code may fail in any way; report it
                return f"it raised {type(err).__name__}: {err}."
            if problem is not None:
                return problem
        return None


_NOISE_STDS = (0.0, 0.5, 2.0)


def _noise_sample(func, seed=31):
    """(h, the learner's output on a copy of h that requires a gradient, that copy), from a fixed seed."""
    with torch.random.fork_rng():
        torch.manual_seed(seed)
        h = torch.randn(3, 20_000, 2) * 0.3 + 1.0
        given = h.clone().requires_grad_()
        out = func(given, torch.tensor(_NOISE_STDS))
    return h, out, given


def _noise_shape(func) -> str | None:
    h, out, given = _noise_sample(func)
    if out is None:
        return "it returned None: did you forget the `return` statement?"
    if not isinstance(out, torch.Tensor) or out.shape != h.shape:
        return (f"return a tensor of h's shape (members, batch, units) = {tuple(h.shape)}, got "
                f"{tuple(out.shape) if isinstance(out, torch.Tensor) else type(out).__name__}.")
    if not torch.equal(given.detach(), h):
        return "it changed h in place: return h + noise as a new tensor, and leave the input alone."
    if not torch.equal(out[0].detach(), h[0]):
        return "member 0 has std = 0: its slice must come back exactly unchanged (h + 0 * eps)."
    return None


def _noise_moments(func) -> str | None:
    h, out, _ = _noise_sample(func)
    noise = (out.detach() - h).double()[1:]
    stds = torch.tensor(_NOISE_STDS[1:], dtype=torch.float64)
    means, sds = noise.mean(dim=(1, 2)), noise.std(dim=(1, 2))
    if bool((means.abs() > 0.05 * stds).any()):
        return (f"the noise must have mean 0 (measured means {means.tolist()}): draw it with torch.randn_like, "
                "which is standard normal; torch.rand draws uniformly on [0, 1).")
    for wrong, hint in ((stds ** 2, "std is the standard deviation: scale the standard normal noise by std, "
                                    "not by std**2 (that is the variance)."),
                        (stds.sqrt(), "scale the standard normal noise by std itself, not by its square root.")):
        if bool(((sds / wrong - 1).abs() < 0.03).all()):
            return hint
    if bool(((sds / stds - 1).abs() > 0.03).any()):
        return (f"the noise of members 1 and 2 should have standard deviations {stds.tolist()}, measured "
                f"{[round(v, 3) for v in sds.tolist()]}: multiply eps by std[m] on member m's slice "
                "(std[:, None, None] broadcasts over the batch and units).")
    inside = ((noise.abs() < stds[:, None, None]).double().mean()).item()  # Gaussian: 0.683
    if abs(inside - 0.6827) > 0.02:
        return (f"the noise is not Gaussian: {inside:.3f} of it lies within one standard deviation of 0, where "
                "a Gaussian has 0.683. Draw it with torch.randn_like.")
    return None


def _noise_independent(func) -> str | None:
    h, out, _ = _noise_sample(func)
    noise = (out.detach() - h).double()
    members = torch.corrcoef(torch.stack([noise[1].ravel(), noise[2].ravel()]))[0, 1].item()
    units = torch.corrcoef(noise[2].T)[0, 1].item()
    if abs(members) > 0.05:
        return ("the members share one draw of noise (their noises are correlated): draw noise of h's full shape, "
                "torch.randn_like(h), so that every member, example and unit gets its own.")
    if abs(units) > 0.05:
        return "the units share one draw of noise: draw noise of h's full shape, torch.randn_like(h)."
    h2, out2, _ = _noise_sample(func, seed=32)  # the global generator in another state: other noise
    if torch.allclose(out2.detach() - h2, out.detach() - h, atol=1e-5):
        return "it adds the same noise at every call: draw fresh noise each time (do not cache it or reseed)."
    return None


def _noise_gradient(func) -> str | None:
    _, out, given = _noise_sample(func)
    if not out.requires_grad:
        return ("no gradient reaches h (a .detach(), torch.no_grad() or a numpy detour): the layers before the "
                "noise could not learn.")
    out.sum().backward()
    if given.grad is None or not torch.allclose(given.grad, torch.ones_like(given)):
        return "the gradient of the output with respect to h must be 1: add the noise to h, do not rescale h."
    return None


def _quantise_reference(t, bits):
    return models.quantise(torch.as_tensor(np.asarray(t, dtype=np.float64)), bits).numpy()


def _quantise_with(t, bits, *, steps=None, rounding=np.round, back=True, index=False, centres=False, clip=True):
    """k-bit quantisation with one piece changed, to recognise a learner's mistake."""
    t = np.asarray(t, dtype=np.float64)
    t = np.clip(t, -1, 1) if clip else t
    levels = 2 ** bits
    if centres:  # bins of width 2 / 2**bits, mapped to their centres
        j = np.clip(np.floor((t + 1) / 2 * levels), 0, levels - 1)
        return -1 + (2 * j + 1) / levels
    steps = levels - 1 if steps is None else steps(bits)
    j = rounding((t + 1) / 2 * steps)
    if index:
        return j
    return j * 2 / steps - 1 if back else j / steps


def _quantise_case(seed, shape, bits, scale=1.5):
    return (np.tanh(np.random.default_rng(seed).normal(size=shape) * scale), bits)


_QUANTISE_CASES = [(np.array([-1.0, -0.8, -0.4, 0.05, 0.3, 0.62, 1.0]), 2), _quantise_case(81, (50, 3), 3),
                   _quantise_case(82, (40, 2), 1), (np.array([[-1.7, 1.2], [0.2, -0.2], [0.9, -0.95]]), 4),
                   _quantise_case(83, (30,), 5, 0.7)]


def _compression_bound_with(i_xt, n, delta, *, cells=np.exp2, unit=_LN2, log_delta=np.log, two_n=True, root=True,
                            sign=1.0):
    """The input-compression bound with one piece changed, to recognise a learner's mistake."""
    value = (cells(np.asarray(i_xt, dtype=np.float64)) * unit + sign * log_delta(1 / delta)) / ((2 if two_n else 1) * n)
    return np.sqrt(value) if root else value


_BOUND_CASES = [(3.0, 1000, 0.05), (0.5, 200, 0.1), (np.array([1.0, 4.0, 8.0]), 4096, 0.05), (10.0, 50, 0.01),
                (np.array([0.0, 2.5]), 700, 0.2)]


def _langevin_with(lrs, noise_stds, clip, dim, *, unit=_LN2, cumulative=True, per_dim=True, var=True, lr_power=2,
                   clip_power=2, half=True, linear=False, last=False):
    """The Pensia-Jog-Loh bound with one piece changed, to recognise a learner's mistake."""
    lrs, stds = np.asarray(lrs, dtype=np.float64), np.asarray(noise_stds, dtype=np.float64)
    ratio = lrs ** lr_power * clip ** clip_power / ((dim if per_dim else 1) * (stds ** 2 if var else stds))
    per_step = (dim * ratio / 2 if linear else (dim / 2 if half else dim) * np.log1p(ratio)) / unit
    out = np.cumsum(per_step) if cumulative else per_step
    return out[-1] if last else out


def _langevin_case(seed, steps, clip, dim):
    rng = np.random.default_rng(seed)
    return (rng.uniform(0.01, 0.3, steps), rng.uniform(0.02, 0.2, steps), clip, dim)


_LANGEVIN_CASES = [(np.full(5, 0.1), np.full(5, 0.05), 1.0, 10), (np.array([0.3, 0.2, 0.1, 0.05]),
                    np.array([0.1, 0.1, 0.2, 0.2]), 2.0, 3), _langevin_case(91, 20, 1.5, 242),
                   _langevin_case(92, 50, 0.5, 7)]


class _Checks:
    """The checks, one attribute per exercise: ``check.entropy(my_entropy)``."""

    entropy = Exercise(
        "1.1", "entropy", info.entropy, _DISTRIBUTIONS,
        [Mistake("you used the natural logarithm; the course measures in bits, so use np.log2.",
                 lambda p: -_plogp(p, np.log).sum()),
         Mistake("0 log 0 is taken to be 0: skip the cells where p = 0 (they give nan otherwise).",
                 lambda p: -np.sum(np.asarray(p) * np.log2(p))),
         Mistake("check the sign: H(p) = -sum p log2 p is never negative.",
                 lambda p: _plogp(p, np.log2).sum()),
         *[Mistake(_FUDGE_HINT, lambda p, e=e: -np.sum(p * np.log2(p + e))) for e in _FUDGES]],
        "H(p) = -sum over x with p(x) > 0 of p(x) log2 p(x).",
    )
    mutual_information = Exercise(
        "1.2", "mutual information", info.mutual_information, _JOINTS,
        [Mistake("you used the natural logarithm; the course measures in bits, so use np.log2.",
                 lambda pxy: _mi_with(pxy, np.log)),
         Mistake("cells with p(x, y) = 0 contribute 0 (0 log 0 = 0): skip them, or the sum is nan.",
                 _mi_no_skip),
         Mistake("check the signs: I(X;Y) = H(X) + H(Y) - H(X,Y) >= 0.",
                 lambda pxy: -_mi_with(pxy, np.log2)),
         Mistake("the ratio inside the log is p(x,y) / (p(x) p(y)); dividing by p(x) alone gives -H(Y|X).",
                 lambda pxy: -info.conditional_entropy(pxy)),
         *[Mistake(_FUDGE_HINT, lambda pxy, e=e: _mi_fudged(pxy, e)) for e in _FUDGES]],
        "I(X;Y) = sum over p(x,y) > 0 of p(x,y) log2[p(x,y) / (p(x) p(y))], with p(x), p(y) the row and column sums.",
    )
    ib_update = Exercise(
        "1.3", "one IB update", ib.ib_step, _IB_CASES,
        [Mistake("the new p(t|x) is proportional to p(t) exp(-beta KL): you left out the prior p(t).",
                 lambda pxy, enc, beta: _ib_update_with(pxy, enc, beta, prior=False)),
         Mistake("the exponent is -beta KL: a larger divergence must make t less likely, not more.",
                 lambda pxy, enc, beta: _ib_update_with(pxy, enc, beta, sign=1.0)),
         Mistake("units: with the KL in bits use 2**(-beta KL) (or exp(-beta KL) with the KL in nats); "
                 "exp(-beta KL_bits) changes beta by a factor 1/ln 2.",
                 lambda pxy, enc, beta: _ib_update_with(pxy, enc, beta, unit=1.0)),
         Mistake("each row p(.|x) must sum to 1: divide by the normaliser Z(x, beta).",
                 lambda pxy, enc, beta: _ib_update_with(pxy, enc, beta, normalise=False))],
        "p(t) = sum_x p(x) p(t|x); p(y|t) = sum_x p(x) p(t|x) p(y|x) / p(t); "
        "new p(t|x) = p(t) 2**(-beta KL_bits[p(y|x) || p(y|t)]), each row normalised.",
    )
    critical_beta = Exercise(
        "1.4", "the critical beta", ib.critical_beta, _CRITICAL_CASES,
        [Mistake("the largest singular value is always 1 (it belongs to the constant functions, sqrt(p(x)) and "
                 "sqrt(p(y))); the transition is set by the second largest.",
                 lambda pxy: _critical_beta_with(pxy, index=0)),
         Mistake("beta_0 = 1 / s_2 squared, not 1 / s_2.", lambda pxy: _critical_beta_with(pxy, power=1)),
         Mistake("you returned s_2^2; beta_0 is its inverse.", lambda pxy: _critical_beta_with(pxy, power=-2)),
         Mistake("take the singular values of p(x, y) / sqrt(p(x) p(y)), not of p(x, y) itself.",
                 lambda pxy: _critical_beta_with(pxy, normalise=False))],
        "Q = p(x,y) / sqrt(p(x) p(y)); s = np.linalg.svd(Q, compute_uv=False) (descending); beta_0 = 1 / s[1]**2.",
    )
    anneal = Exercise(
        "1.5", "the annealing loop", _annealed, _ANNEAL_CASES,
        [Mistake("start from T = X (the identity encoder) at the LARGEST beta and walk down: the trivial encoder "
                 "is a fixed point of the update, so a sweep upwards from it never leaves I = 0.",
                 _rising_from_trivial),
         Mistake("return the values in the order of `betas` (increasing), not in the order you visited them.",
                 lambda pxy, betas: tuple(v[::-1] for v in _annealed(pxy, betas))),
         Mistake("return (I(X;T), I(T;Y)) in that order.",
                 lambda pxy, betas: _annealed(pxy, betas)[::-1])],
        "encoder = identity; for beta from the largest down: apply ib_update a few hundred times starting from the "
        "previous beta's encoder (a warm start; a fresh random encoder per beta lands in worse local optima), then "
        "record I(X;T) from p(x) p(t|x) and I(T;Y) from p(t, y) = encoder.T @ pxy.",
        rtol=0.0, atol=1e-4,
    )

    binned_information = Exercise(
        "2.1", "binned information of one layer", _binned_reference, _BINNED_CASES,
        [Mistake("you used the natural logarithm; the course measures in bits, so use np.log2.",
                 lambda t, y, b: _binned_with(t, y, b, log=np.log)),
         Mistake("the layer is one symbol: count whole rows of bin indices (np.unique(..., axis=0)), "
                 "not each unit on its own; summing per-unit entropies ignores how the units depend on each other.",
                 lambda t, y, b: _binned_with(t, y, b, per_unit=True)),
         Mistake("I(T;Y) = H(T) - H(T|Y): you returned H(T|Y) itself.",
                 lambda t, y, b: _binned_with(t, y, b, conditional=True)),
         Mistake("n_bins equal-width bins on [-1, 1] have n_bins + 1 edges, each of width 2 / n_bins; "
                 "np.digitize with np.linspace(-1, 1, n_bins) gives n_bins - 1 bins (the original code's "
                 "np.linspace(-1, 1, 30) edges make 29 bins; this exercise asks for n_bins).",
                 lambda t, y, b: _binned_with(t, y, b, edges=np.linspace(-1, 1, b)))],
        "bin index = floor((t + 1) / (2 / n_bins)), clipped to 0 .. n_bins - 1; each row of indices is one symbol; "
        "I(X;T) = H(T); I(T;Y) = H(T) - sum_c p(c) H(T | Y = c); logarithms base 2.",
    )
    record_layers = _LayerDictExercise(
        "2.2", "a forward-hook recorder", lambda model, inputs, names: recording.capture(model, inputs, names),
        _RECORDER_CASES,
        [Mistake("a forward hook is called as hook(module, args, output): record output, the module's result; "
                 "args[0] is what went into the module.",
                 lambda model, inputs, names: _record_with(model, inputs, names, what="input")),
         Mistake("you hooked the whole model, so every name got the network's final output: register each hook "
                 "on dict(model.named_modules())[name].",
                 lambda model, inputs, names: _record_with(model, inputs, names, what="model"))],
        "for each name, register_forward_hook on dict(model.named_modules())[name] with a hook that stores "
        "output.detach().cpu().numpy(); run model(inputs) once under torch.no_grad(); remove every handle; "
        "return {name: array}. Names are those of model.named_modules(), e.g. 'right.1' or 'act3'.",
        rtol=1e-5, atol=1e-6, properties=_recorder_properties,
    )
    exact_information = Exercise(
        "2.3", "exact information of a layer", _exact_reference, _EXACT_CASES,
        [Mistake("you used the natural logarithm; the course measures in bits, so use np.log2.",
                 lambda t, y: _symbol_information(t, y, log=np.log)),
         Mistake("log2 of the number of distinct rows is H(T) only when every row occurs equally often: weight "
                 "each distinct row by its frequency, H(T) = -sum p log2 p.",
                 lambda t, y: _symbol_information(t, y, uniform=True)),
         Mistake("the layer is one symbol: count distinct whole rows (np.unique(t, axis=0)), not each unit's "
                 "values on their own.",
                 lambda t, y: _symbol_information(t, y, per_unit=True)),
         Mistake("I(T;Y) = H(T) - H(T|Y): you returned H(T|Y) itself.",
                 lambda t, y: _symbol_information(t, y, conditional=True)),
         *[Mistake(f"no rounding: rounding to {d} decimals is binning (bins of width 1e-{d}); compare the "
                   "numbers exactly.", lambda t, y, d=d: _symbol_information(np.round(t, d), y))
           for d in (3, 4, 5, 6)],
         Mistake("-0.0 and 0.0 are the same number: compare values (np.unique(t, axis=0)), not their bytes.",
                 lambda t, y: _symbol_information(np.ascontiguousarray(t).view(
                     np.dtype((np.void, t.dtype.itemsize * t.shape[1]))).ravel(), y))],
        "each distinct row of t (np.unique(t, axis=0, return_counts=True)) is one symbol; I(X;T) = H(T) from the "
        "row frequencies; I(T;Y) = H(T) - sum_c p(c) H(T | Y = c); logarithms base 2.",
    )
    kde_upper_bound = Exercise(
        "2.4", "KDE upper bound on I(X;T)", _kde_upper_reference, _KDE_CASES,
        [Mistake("that is in nats: divide by ln 2 (or use np.log2) for bits.",
                 lambda t, v: _kde_upper_with(t, v, unit=1.0)),
         Mistake("the kernel uses the squared distance ||h_i - h_j||^2, not the distance.",
                 lambda t, v: _kde_upper_with(t, v, power=1)),
         Mistake("exp(-d^2 / (8 noise_var)) gives the lower bound (the Bhattacharyya distance); the upper bound "
                 "uses 2 noise_var.", lambda t, v: _kde_upper_with(t, v, scale=8.0)),
         Mistake("the Gaussian kernel of variance noise_var is exp(-d^2 / (2 noise_var)): you left out the 2.",
                 lambda t, v: _kde_upper_with(t, v, scale=1.0)),
         Mistake("noise_var is already the variance sigma^2: don't square it.",
                 lambda t, v: _kde_upper_with(t, v, var_is_std=True)),
         Mistake("the inner mean runs over all j, including j = i (the kernel of an input with itself is 1).",
                 lambda t, v: _kde_upper_with(t, v, keep_self=False)),
         Mistake("take the log inside: -1/n sum_i log2(1/n sum_j K_ij), not -log2 of the mean of all K_ij.",
                 lambda t, v: _kde_upper_with(t, v, jensen=True))],
        "d2_ij = ||t_i - t_j||^2 (all pairs, i = j included); bound = -mean_i log2(mean_j exp(-d2_ij / (2 noise_var))).",
        rtol=1e-7, atol=1e-9,
    )
    kl_gaussian = Exercise(
        "4.1", "KL of a Gaussian posterior to N(0, I)", vib.kl_to_standard_normal, _GAUSSIAN_CASES,
        [Mistake("that is in nats: divide by ln 2 for bits (or use torch.log2 consistently).",
                 lambda m, s: _kl_with(m, s, unit=1.0)),
         Mistake("sum the KL over the latent dimensions; averaging over them divides beta by K.",
                 lambda m, s: _kl_with(m, s, reduce="mean")),
         Mistake("the log term is log sigma^2 = 2 log sigma, not log sigma.",
                 lambda m, s: _kl_with(m, s, log_var=False)),
         Mistake("std is the standard deviation: the variance is std**2.",
                 lambda m, s: _kl_with(m, s, std_is_var=True)),
         Mistake("don't forget the -1 per dimension: the KL of N(0, 1) to itself is 0.",
                 lambda m, s: _kl_with(m, s, minus_one=False))],
        "KL = 1/2 sum_k (sigma_k^2 + mu_k^2 - 1 - ln sigma_k^2), summed over the last axis, divided by ln 2.",
        rtol=1e-5, atol=1e-6,
    )
    reparameterise = Exercise(
        "4.2", "reparameterised sample", vib.reparameterise, _REPARAM_CASES,
        [Mistake("scale the noise by the standard deviation, not the variance: z = mu + sigma * eps.",
                 lambda m, s, e: m + s ** 2 * e),
         Mistake("the noise must be scaled by sigma, or every posterior has unit variance.",
                 lambda m, s, e: m + e),
         Mistake("shift after scaling: z = mu + sigma * eps, not (mu + sigma) * eps.",
                 lambda m, s, e: (m + s) * e)],
        "z = mean + std * eps: eps carries the randomness, so gradients reach mean and std.",
        rtol=1e-6, atol=1e-7, properties=lambda func: _reparameterised_gradients(func),
    )
    vib_loss = Exercise(
        "4.3", "the VIB loss of one model", _vib_loss_reference, _VIB_LOSS_CASES,
        [Mistake("the cross-entropy is in nats: divide it by ln 2 for bits (F.cross_entropy uses natural logs).",
                 lambda lg, y, m, s, b: _vib_loss_with(lg, y, m, s, b, ce_unit=1.0)),
         Mistake("that is all in nats: divide the cross-entropy and the KL by ln 2 for bits.",
                 lambda lg, y, m, s, b: _vib_loss_with(lg, y, m, s, b, ce_unit=1.0, kl_unit=1.0)),
         Mistake("the KL is in nats: divide it by ln 2 (or use your kl_gaussian, which returns bits).",
                 lambda lg, y, m, s, b: _vib_loss_with(lg, y, m, s, b, kl_unit=1.0)),
         Mistake("sum the KL over the K latent dimensions; averaging over them divides beta by K.",
                 lambda lg, y, m, s, b: _vib_loss_with(lg, y, m, s, b, kl_reduce="mean")),
         Mistake("average the KL over the examples of the batch, as the cross-entropy is averaged; "
                 "a sum makes beta grow with the batch size.",
                 lambda lg, y, m, s, b: _vib_loss_with(lg, y, m, s, b, kl_batch="sum")),
         Mistake("average the cross-entropy over the batch (a sum makes it grow with the batch size, "
                 "and changes the balance with beta KL).",
                 lambda lg, y, m, s, b: _vib_loss_with(lg, y, m, s, b, ce_batch="sum")),
         Mistake("beta weighs the KL, not the cross-entropy: loss = CE + beta * KL.",
                 lambda lg, y, m, s, b: _vib_loss_with(lg, y, m, s, b, beta_on_ce=True)),
         Mistake("logits are not log-probabilities: take log_softmax first (F.nll_loss expects log-probabilities; "
                 "F.cross_entropy takes the logits themselves).",
                 lambda lg, y, m, s, b: _vib_loss_with(lg, y, m, s, b, log_probs="raw")),
         Mistake("the softmax is applied twice: F.cross_entropy takes logits, not probabilities.",
                 lambda lg, y, m, s, b: _vib_loss_with(lg, y, m, s, b, log_probs="twice"))],
        "loss = F.cross_entropy(logits, y) / ln 2 + beta * KL, the KL in bits summed over the K dims "
        "and averaged over the batch (your kl_gaussian(mean, std).mean()).",
        rtol=1e-5, atol=1e-6, properties=lambda func: _vib_loss_gradients(func),
    )
    rate_per_dimension = Exercise(
        "4.4", "rate per latent dimension", _rate_reference, _RATE_CASES,
        [Mistake("that is in nats: divide by ln 2 for bits.", lambda m, s: _rate_with(m, s, unit=1.0)),
         Mistake("average over the inputs (axis 0), do not sum: the rate is an expectation over x.",
                 lambda m, s: _rate_with(m, s, data="sum")),
         Mistake("keep one value per latent dimension: average over the inputs (axis 0), not over the dims.",
                 lambda m, s: _rate_with(m, s, dims="mean")),
         Mistake("one value per dimension, not the total rate: do not sum over the dims.",
                 lambda m, s: _rate_with(m, s, dims="sum")),
         Mistake("the log term is log sigma^2 = 2 log sigma, not log sigma.",
                 lambda m, s: _rate_with(m, s, log_var=False)),
         Mistake("that is the spread of the means, Var_x mu_k (the active-unit criterion), not the KL: "
                 "a dimension whose mean moves but whose noise is large carries few bits.",
                 lambda m, s: m.var(dim=0))],
        "rate_k = mean over the inputs of 1/2 (sigma_k^2 + mu_k^2 - 1 - ln sigma_k^2) / ln 2, one value per dim.",
        rtol=1e-5, atol=1e-6,
    )
    predict = Exercise(
        "4.5", "prediction averaged over S samples", _predict_reference, _PREDICT_CASES,
        [Mistake("average the probabilities (softmax), not the logits: the mean of the logits of the samples "
                 "is another rule (it weighs a confident sample differently).",
                 lambda lg: lg.mean(dim=0).argmax(dim=-1)),
         Mistake("that is a majority vote of the samples' classes; average the softmax probabilities instead.",
                 _majority_vote),
         Mistake("you used the first sample only: average over all S samples (axis 0).",
                 lambda lg: lg[0].argmax(dim=-1)),
         Mistake("average over the samples (axis 0), not over the batch.",
                 lambda lg: torch.softmax(lg, dim=-1).mean(dim=1).argmax(dim=-1)),
         Mistake("the softmax runs over the classes (the last axis), not over the samples.",
                 lambda lg: torch.softmax(lg, dim=0).mean(dim=0).argmax(dim=-1)),
         Mistake("return the predicted class of each example (argmax over the classes), not the probabilities.",
                 lambda lg: torch.softmax(lg, dim=-1).mean(dim=0))],
        "p = softmax over the classes of each sample's logits, averaged over the S samples (axis 0); "
        "the prediction is the argmax over the classes.",
    )
    rank_by_rate = Exercise(
        "6.1", "ranking by rate", lambda mean, std: vib.dimension_order(mean, std, "rate"),
        _RANK_CASES,
        [Mistake("most bits first: sort the rates in decreasing order (descending=True).",
                 lambda m, s: vib.dimension_order(m, s, "rate").flip(-1)),
         Mistake("that is the article's ranking, by posterior variance, highest first: a dimension at the prior "
                 "has variance 1 and carries nothing. Rank by the rate, E_x KL_k.",
                 lambda m, s: vib.dimension_order(m, s, "variance")),
         Mistake("that ranks by the spread of the means, Var_x mu_k (the active-unit criterion), not by the bits: "
                 "a moving mean under a wide posterior carries few bits.", lambda m, s: _ranked(m.var(dim=0))),
         Mistake("return the order of the dimensions (indices, most bits first), not the rates themselves.",
                 lambda m, s: vib.rate_per_dimension(m, s))],
        "rate_k = mean over the inputs of (sigma_k^2 + mu_k^2 - 1 - ln sigma_k^2) / (2 ln 2); return "
        "torch.argsort(rate, descending=True).",
    )
    prune_layers = _ArraysExercise(
        "6.2", "the smaller layers", _prune_with, _PRUNE_CASES,
        [Mistake("the encoder's last layer outputs K means and then K std parameters: keep the columns of both "
                 "(keep and keep + K), not only the means.", lambda w, b, d, k: _prune_with(w, b, d, k, stds=False)),
         Mistake("the std of dimension j is output K columns after its mean: take columns keep + K for the stds.",
                 lambda w, b, d, k: _prune_with(w, b, d, k, std_offset=False)),
         Mistake("the decoder's weight has one row per latent dimension (z @ w_decoder): keep rows, not columns.",
                 lambda w, b, d, k: _prune_with(w, b, d, k, decoder="columns")),
         Mistake("prune the bias of the heads as well: it has one entry per output column.",
                 lambda w, b, d, k: _prune_with(w, b, d, k, bias=False))],
        "columns = torch.cat([keep, keep + K]) with K = w_decoder.shape[0]; return "
        "(w_heads[:, columns], b_heads[columns], w_decoder[keep]).",
    )
    fgsm = Exercise(
        "6.4", "FGSM", lambda loss, x, y, eps: attacks.fgsm(loss, x, y, eps), _FGSM_CASES,
        [Mistake("clip the result to the valid pixel range [0, 1] (x.clamp(0, 1)).",
                 lambda loss, x, y, e: _fgsm_with(loss, x, y, e, clip=False)),
         Mistake("step *up* the loss: x + epsilon * sign(gradient); a minus sign makes the inputs easier.",
                 lambda loss, x, y, e: _fgsm_with(loss, x, y, e, sign=-1.0)),
         Mistake("FGSM takes the sign of the gradient, so that every pixel moves by exactly epsilon (the "
                 "L-infinity ball), not the gradient itself.",
                 lambda loss, x, y, e: _fgsm_with(loss, x, y, e, direction="raw")),
         Mistake("a normalised gradient is the L2 attack; the L-infinity FGSM takes its sign.",
                 lambda loss, x, y, e: _fgsm_with(loss, x, y, e, direction="l2"))],
        "x_ = x.clone().requires_grad_(True); grad = torch.autograd.grad(loss(x_, y).sum(), x_)[0]; "
        "return (x + epsilon * grad.sign()).clamp(0, 1).",
        rtol=1e-6, atol=1e-7, properties=_fgsm_properties,
    )
    contributions = Exercise(
        "6.3", "concept contributions", _contributions_with, _CONTRIBUTION_CASES,
        [Mistake("that is in nats: divide by ln 2 for bits.", lambda w, z: _contributions_with(w, z, unit=1.0)),
         Mistake("the log-odds of class 1 against class 0 use the difference of the two columns of the weight, "
                 "w[:, 1] - w[:, 0].", lambda w, z: _contributions_with(w, z, classes=(1, None))),
         Mistake("the sign: log-odds of class 1 against class 0, w[:, 1] - w[:, 0].",
                 lambda w, z: _contributions_with(w, z, classes=(0, 1))),
         Mistake("one contribution per dimension and input, shape (n, K): do not sum over the dimensions.",
                 lambda w, z: _contributions_with(w, z, total=True))],
        "contributions = z * (weight[:, 1] - weight[:, 0]) / ln 2, shape (n, K).",
        rtol=1e-5, atol=1e-6,
    )
    dib_step = Exercise(
        "6.5", "one DIB update", ib.dib_update, _DIB_CASES,
        [Mistake("the DIB scores each cluster by log2 p(t) - beta KL: without log2 p(t) nothing pulls inputs "
                 "into big clusters, and H(T) is not minimised.",
                 lambda p, lab, b: _dib_step_with(p, lab, b, prior=False)),
         Mistake("the KL is in bits, so take log2 p(t) as well (np.log mixes nats with bits and rescales beta).",
                 lambda p, lab, b: _dib_step_with(p, lab, b, log=np.log)),
         Mistake("weigh each input by p(x) when you form p(t) and p(y|t), not equally.",
                 lambda p, lab, b: _dib_step_with(p, lab, b, weights="uniform")),
         Mistake("the best cluster maximises log2 p(t) - beta KL (argmax, not argmin).",
                 lambda p, lab, b: _dib_step_with(p, lab, b, choose=np.argmin))],
        "p(t) = sum of p(x) over the inputs with label t; p(y|t) = sum of p(x, y) over them / p(t); new label of x = "
        "argmax over the clusters in use of log2 p(t) - beta KL_bits(p(y|x) || p(y|t)).",
    )
    plugin_mi = Exercise(
        "A1.1", "the plug-in estimate with Miller-Madow", lambda x, y, mm: plugin.plugin_information(
            x, y, miller_madow=mm), _PLUGIN_CASES,
        [Mistake("that is in nats: divide by ln 2 (or use np.log2) for bits.",
                 lambda x, y, mm: _plugin_with(x, y, mm, unit=1.0)),
         Mistake("the plug-in estimate is biased upwards, so the Miller-Madow correction is subtracted from it: "
                 "H_MM = H + (m - 1) / (2 n) for each entropy, and H(X,Y) enters I with a minus sign.",
                 lambda x, y, mm: _plugin_with(x, y, mm, sign=-1.0)),
         Mistake("count the joint symbols that occur, m_XY, not all m_X m_Y combinations: the correction is "
                 "[(m_XY - 1) - (m_X - 1) - (m_Y - 1)] / (2 n), with m the number of distinct symbols observed.",
                 lambda x, y, mm: _plugin_with(x, y, mm, support="table")),
         Mistake("each entropy's correction is (m - 1) / (2 n): you divided by n.",
                 lambda x, y, mm: _plugin_with(x, y, mm, half=False)),
         Mistake("the correction (m - 1) / (2 n) is in nats: divide it by ln 2 before subtracting it from bits.",
                 lambda x, y, mm: _plugin_with(x, y, False) - (_plugin_with(x, y, mm) - _plugin_with(x, y, False))
                 * _LN2),
         Mistake("apply the correction only when miller_madow is True, and do apply it then.",
                 lambda x, y, mm: _plugin_with(x, y, mm, flag=False))],
        "I = H(X) + H(Y) - H(X,Y) from the observed frequencies (log2); with miller_madow, subtract "
        "[(m_XY - 1) - (m_X - 1) - (m_Y - 1)] / (2 n ln 2), m = number of distinct symbols observed.",
        rtol=1e-9, atol=1e-12,
    )
    ksg = Exercise(
        "A1.2", "the KSG estimator on a k-d tree", lambda x, y, k: knn.ksg_information(x, y, k=k), _KSG_CASES,
        [Mistake("that is in nats: divide by ln 2 for bits.", lambda x, y, k: _ksg_with(x, y, k, unit=1.0)),
         Mistake("KSG uses the max-norm (p=np.inf in scipy), in the joint space and in both marginal spaces; "
                 "you used the Euclidean distance.", lambda x, y, k: _ksg_with(x, y, k, p=2)),
         Mistake("count only the points strictly closer than eps_i: query_ball_point counts distances <= r, so "
                 "pass r = np.nextafter(eps, 0).", lambda x, y, k: _ksg_with(x, y, k, inclusive=True)),
         Mistake("query_ball_point counts the sample itself: subtract 1 to get n_x and n_y.",
                 lambda x, y, k: _ksg_with(x, y, k, self_in_counts=True)),
         Mistake("a tree queried with its own points returns each point as its own nearest neighbour: ask for "
                 "k + 1 neighbours and take the last.", lambda x, y, k: _ksg_with(x, y, k, joint_k=0)),
         Mistake("the average is of psi(n_x + 1) + psi(n_y + 1), not psi(n_x) + psi(n_y).",
                 lambda x, y, k: _ksg_with(x, y, k, plus_one=False))],
        "eps_i = distance (max-norm) to the k-th neighbour of (x_i, y_i) in the joint space (k + 1 with itself); "
        "n_x(i) = points other than i with ||x_j - x_i|| < eps_i (max-norm), same for y; "
        "I = [psi(k) + psi(n) - mean(psi(n_x + 1) + psi(n_y + 1))] / ln 2.",
        rtol=1e-9, atol=1e-12,
    )
    infonce = Exercise(
        "A1.3", "the InfoNCE bound from critic scores", neural_mi.infonce_bound, _SCORES_CASES,
        [Mistake("that is in nats: divide by ln 2 for bits.", lambda s: _infonce_with(s, unit=1.0)),
         Mistake("add log n: without it the bound is the mean log-probability of the right partner, which is "
                 "<= 0.", lambda s: _infonce_with(s, log_n=False)),
         Mistake("for each x_i the softmax runs over the candidates y_j, along row i (dim=1); along the columns "
                 "you get the bound with x and y swapped, also valid, but not the one asked for.",
                 lambda s: _infonce_with(s, dim=0)),
         Mistake("the denominator sums over all n candidates, the true partner y_i included.",
                 lambda s: _infonce_with(s, keep_diagonal=False))],
        "mean over i of [scores[i, i] - logsumexp over j of scores[i, j]] + log n, divided by ln 2.",
        rtol=1e-9, atol=1e-12, properties=_bound_gradients(neural_mi.infonce_bound),
    )
    dv = Exercise(
        "A1.4", "the DV bound from critic scores", neural_mi.dv_bound, _SCORES_CASES,
        [Mistake("that is in nats: divide by ln 2 for bits.", lambda s: _dv_with(s, unit=1.0)),
         Mistake("the pairs from p(x) p(y) are the entries off the diagonal (i != j): leave the n joint pairs "
                 "of the diagonal out of the second term.", lambda s: _dv_with(s, keep_diagonal=True)),
         Mistake("the second term is log of the mean of e^f, not the mean of f (Jensen: that is smaller, and "
                 "not a bound).", lambda s: _dv_with(s, marginal="mean")),
         Mistake("take the log of the mean of e^f; subtracting the mean of e^f itself is (almost) the NWJ "
                 "bound, which uses e^(f - 1).", lambda s: _dv_with(s, marginal="mean_exp")),
         Mistake("a mean, not a sum: subtract log(n (n - 1)) from the logsumexp of the off-diagonal scores.",
                 lambda s: _dv_with(s, count=False))],
        "mean of the diagonal of scores - log(mean over i != j of exp(scores[i, j])) (a logsumexp over the "
        "off-diagonal entries minus log(n (n - 1))), divided by ln 2.",
        rtol=1e-9, atol=1e-12, properties=_bound_gradients(neural_mi.dv_bound),
    )
    rate_by_class = Exercise(
        "5.1", "rate of each class", vib.rate_by_class, _CLASS_RATE_CASES,
        [Mistake("average within each class: divide the class's total by the number of inputs of that class, "
                 "not by all n inputs (that is the class's share of the rate).",
                 lambda kl, y, c: _rate_by_class_with(kl, y, c, reduce="share")),
         Mistake("a mean per class, not a sum: a frequent class would look costly only for being frequent.",
                 lambda kl, y, c: _rate_by_class_with(kl, y, c, reduce="sum")),
         Mistake("that is the overall rate repeated for every class: group the inputs by their label first.",
                 lambda kl, y, c: _rate_by_class_with(kl, y, c, reduce="all"))],
        "rate[c] = mean of kl[labels == c], for c = 0 .. n_classes - 1 (np.bincount with weights, divided by the counts).",
    )
    attention_entropy = Exercise(
        "5.2", "attention entropy", attention.attention_entropy, _ENTROPY_CASES,
        [Mistake("you used the natural logarithm; the course measures in bits, so use torch.log2.",
                 lambda w: _entropy_with(w, log=torch.log)),
         Mistake("0 log 0 is taken to be 0: a position with weight 0 contributes nothing (log2 0 gives -inf, "
                 "and 0 * -inf is nan).", lambda w: _entropy_with(w, skip_zeros=False)),
         Mistake("each row over the LAST axis (the positions attended to) is one distribution: sum over dim=-1, "
                 "not over the queries or the heads.", lambda w: _entropy_with(w, axis=-2)),
         Mistake("return the entropy in bits, not divided by its maximum log2 L.",
                 lambda w: _entropy_with(w, normalise=True)),
         Mistake("check the sign: H = -sum w log2 w is never negative.", lambda w: -_entropy_with(w))],
        "H = -sum over the last axis of w * log2 w, with the terms where w = 0 set to 0 (torch.where).",
    )
    relevant_mass = Exercise(
        "5.3", "attention mass on the relevant positions", attention.relevant_mass, _MASS_CASES,
        [Mistake("sum the weights on the relevant positions, do not average them over all positions.",
                 lambda w, r: _mass_with(w, r, reduce="mean")),
         Mistake("the mass is the total weight on the relevant positions, not the mean weight per relevant "
                 "position.", lambda w, r: _mass_with(w, r, reduce="per relevant")),
         Mistake("that is the mass on the other positions (the distractors): keep the positions where relevant "
                 "is True.", lambda w, r: _mass_with(w, r, complement=True))],
        "mass = (weights * relevant).sum(-1): relevant broadcasts over the heads; uniform attention gives "
        "(number relevant) / L.",
    )
    probe_bound = Exercise(
        "5.4", "a probe's lower bound on I(T;Y)", probes.information_bound, _PROBE_CASES,
        [Mistake("that is in nats: the log-probabilities are natural logs, so divide the cross-entropy by ln 2.",
                 lambda lp, y: _probe_with(lp, y, unit=1.0)),
         Mistake("that is all in nats: compute H(Y) with log2 and divide the cross-entropy by ln 2.",
                 lambda lp, y: _probe_with(lp, y, unit=1.0, h_log=np.log)),
         Mistake("you returned the cross-entropy itself; the bound is H(Y) - CE.",
                 lambda lp, y: _probe_with(lp, y, h_y="none")),
         Mistake("you returned -CE; the bound is H(Y) - CE, with H(Y) of the labels' frequencies.",
                 lambda lp, y: _probe_with(lp, y, h_y="none", sign=-1.0)),
         Mistake("H(Y) is the entropy of the labels' frequencies, not log2 of the number of classes (the "
                 "classes need not be equally frequent).", lambda lp, y: _probe_with(lp, y, h_y="uniform")),
         Mistake("take the log-probability of each example's own label (log_probs[i, labels[i]]), not the mean "
                 "over all classes.", lambda lp, y: _probe_with(lp, y, pick=False)),
         Mistake("check the sign: the bound is H(Y) - CE, not CE - H(Y).", lambda lp, y: _probe_with(lp, y, sign=-1.0))],
        "CE = -mean_i log_probs[i, labels[i]] / ln 2 (bits); H(Y) from np.bincount(labels) / n; return H(Y) - CE.",
    )


    add_noise = _PropertyExercise(
        "3.1", "noise injection", models.add_noise,
        [_noise_shape, _noise_moments, _noise_independent, _noise_gradient], [],
        "h + std[:, None, None] * torch.randn_like(h): fresh standard normal noise of h's shape, scaled per member.",
    )
    quantise = Exercise(
        "3.2", "k-bit quantisation", _quantise_reference, _QUANTISE_CASES,
        [Mistake("2**bits levels from -1 to 1 are 2**bits - 1 steps apart (of width 2 / (2**bits - 1)); "
                 "you made 2**bits steps, one level too many.", lambda t, b: _quantise_with(t, b, steps=lambda k: 2 ** k)),
         Mistake("there are 2**bits levels, not bits of them.", lambda t, b: _quantise_with(t, b, steps=lambda k: k - 1)),
         Mistake("round to the nearest level (np.round), do not round down (np.floor).",
                 lambda t, b: _quantise_with(t, b, rounding=np.floor)),
         Mistake("map the level back to [-1, 1]: level j is -1 + 2 j / (2**bits - 1); you returned values in [0, 1].",
                 lambda t, b: _quantise_with(t, b, back=False)),
         Mistake("return the level's value in [-1, 1], not its index j.", lambda t, b: _quantise_with(t, b, index=True)),
         Mistake("the levels include -1 and 1 (the values tanh saturates to); the centres of 2**bits equal bins "
                 "on [-1, 1] are another grid.", lambda t, b: _quantise_with(t, b, centres=True)),
         Mistake("clip values outside [-1, 1] first (np.clip(t, -1, 1)), so that they land on -1 or 1.",
                 lambda t, b: _quantise_with(t, b, clip=False))],
        "j = round((clip(t, -1, 1) + 1) / 2 * (2**bits - 1)); return -1 + 2 j / (2**bits - 1).",
    )
    input_compression_bound = Exercise(
        "3.3", "the input-compression bound", lambda i, n, d: generalization.input_compression_bound(i, n, delta=d),
        _BOUND_CASES,
        [Mistake("ln|H| = 2**I ln 2 for |H| = 2**(2**I) classifiers: you left out the ln 2 (Hoeffding's bound "
                 "is in nats).", lambda i, n, d: _compression_bound_with(i, n, d, unit=1.0)),
         Mistake("the number of cells is 2**I(X;T), and ln|H| = 2**I ln 2: you used I(X;T) itself.",
                 lambda i, n, d: _compression_bound_with(i, n, d, cells=lambda v: v)),
         Mistake("that is the article's sqrt(I/n), which is not a bound: use sqrt((2**I ln 2 + ln(1/delta)) / 2n).",
                 lambda i, n, d: np.sqrt(np.asarray(i, dtype=np.float64) / n)),
         Mistake("ln(1/delta) is a natural logarithm, like the rest of Hoeffding's bound.",
                 lambda i, n, d: _compression_bound_with(i, n, d, log_delta=np.log2)),
         Mistake("the denominator is 2 n (Hoeffding: P(gap > eps) <= exp(-2 n eps^2)).",
                 lambda i, n, d: _compression_bound_with(i, n, d, two_n=False)),
         Mistake("take the square root: the bound is on the gap, not on its square.",
                 lambda i, n, d: _compression_bound_with(i, n, d, root=False)),
         Mistake("add ln(1/delta), which is positive: a smaller delta (more confidence) must give a larger bound.",
                 lambda i, n, d: _compression_bound_with(i, n, d, sign=-1.0))],
        "bound = sqrt((2**i_xt * ln 2 + ln(1 / delta)) / (2 n)), elementwise for an array i_xt.",
    )
    langevin_information = Exercise(
        "3.4", "the step-by-step bound on I(S; W)", lambda lr, s, c, d: generalization.langevin_information(lr, s, c, d),
        _LANGEVIN_CASES,
        [Mistake("that is in nats: divide by ln 2 (or use np.log2) for bits.",
                 lambda lr, s, c, d: _langevin_with(lr, s, c, d, unit=1.0)),
         Mistake("return the bound after every step, the running sum (np.cumsum), not each step's term.",
                 lambda lr, s, c, d: _langevin_with(lr, s, c, d, cumulative=False)),
         Mistake("return the bound after every step (an array), not only the last value.",
                 lambda lr, s, c, d: _langevin_with(lr, s, c, d, last=True)),
         Mistake("the signal-to-noise ratio of one step is lr^2 clip^2 / (d noise_std^2): the signal's power "
                 "lr^2 clip^2 is spread over d coordinates; you left out the d inside the log.",
                 lambda lr, s, c, d: _langevin_with(lr, s, c, d, per_dim=False)),
         Mistake("noise_std is a standard deviation: its power (variance) is noise_std**2.",
                 lambda lr, s, c, d: _langevin_with(lr, s, c, d, var=False)),
         Mistake("the signal's power is (lr clip)^2: square the learning rate.",
                 lambda lr, s, c, d: _langevin_with(lr, s, c, d, lr_power=1)),
         Mistake("the signal's power is (lr clip)^2: square the clipping norm.",
                 lambda lr, s, c, d: _langevin_with(lr, s, c, d, clip_power=1)),
         Mistake("a Gaussian channel in d dimensions carries (d / 2) log(1 + SNR): you left out the 1/2.",
                 lambda lr, s, c, d: _langevin_with(lr, s, c, d, half=False)),
         Mistake("keep the logarithm: (d / 2) log2(1 + x) is below its linearisation d x / (2 ln 2), which is "
                 "a looser bound than the one asked for.",
                 lambda lr, s, c, d: _langevin_with(lr, s, c, d, linear=True))],
        "per step: (dim / 2) * log2(1 + lr**2 * clip**2 / (dim * noise_std**2)); return np.cumsum of those.",
    )


check = _Checks()


def all_exercises() -> list[Exercise]:
    """Every exercise of the course, in the order of the notebooks (``check``'s attributes)."""
    return [value for value in vars(_Checks).values() if isinstance(value, Exercise)]


def exercises_of(notebook: str) -> list[Exercise]:
    """The exercises of a notebook, from its file name: ``"01_ib_principle"`` -> exercises 1.1, 1.2, ...

    The notebook's number (the part before the first ``_``, leading zeros dropped: ``01`` -> ``1``,
    ``A1`` -> ``A1``) is the first part of its exercises' numbers. Raises ``ValueError`` when
    ``notebook`` is not named ``NN_slug`` (with or without ``.ipynb``) or has no exercises.
    """
    if not isinstance(notebook, str):
        raise TypeError(f"notebook must be a file name like '01_ib_principle', got {notebook!r}")
    match = re.fullmatch(r"([0-9]{2}|[A-Z][0-9])_[A-Za-z0-9_]+(\.ipynb)?", notebook)
    if not match:
        raise ValueError(f"notebook={notebook!r} is not named like a course notebook, NN_slug.ipynb "
                         "(e.g. 01_ib_principle.ipynb)")
    prefix = match.group(1).lstrip("0")
    found = sorted((e for e in all_exercises() if e.number.split(".")[0] == prefix),
                   key=lambda e: int(e.number.split(".")[1]))
    if not found:
        numbers = sorted({e.number.split(".")[0] for e in all_exercises()})
        raise ValueError(f"notebook={notebook!r}: the course has no exercises for notebook {match.group(1)} "
                         f"(notebooks with exercises: {', '.join(numbers)})")
    return found
