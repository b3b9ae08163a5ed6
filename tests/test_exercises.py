import json
import math
import re
from pathlib import Path

import numpy as np
import pytest
import torch

from ibcourse import ib, info
from ibcourse.exercises import ExerciseError, _ib_update_with, all_exercises, check, exercises_of


def _not_done(*args):
    raise NotImplementedError("Exercise")


def _binned(t, y, n_bins, *, log=np.log2, edges=None, per_unit=False, conditional=False):
    """A learner's binned estimator, written with np.digitize; the keywords make known mistakes."""
    edges = np.linspace(-1, 1, n_bins + 1)[1:-1] if edges is None else edges
    index = np.digitize(t, edges)

    def h(rows):
        _, counts = np.unique(rows, axis=0, return_counts=True)
        p = counts / len(rows)
        return -np.sum(p * log(p))

    groups = [index[:, [k]] for k in range(index.shape[1])] if per_unit else [index]
    h_t = sum(h(g) for g in groups)
    h_t_y = sum(np.mean(y == c) * sum(h(g[y == c]) for g in groups) for c in np.unique(y))
    return h_t, (h_t_y if conditional else h_t - h_t_y)


def _anneal(pxy, betas, *, fresh=False, n_updates=500):
    """A learner's annealing loop with plain updates; fresh=True starts every beta from a random encoder."""
    px = pxy.sum(1)
    rng = np.random.default_rng(3)
    enc = np.eye(len(px))
    out = []
    for beta in betas[::-1]:
        if fresh:
            enc = rng.dirichlet(np.ones(len(px)), size=len(px))
        for _ in range(n_updates):
            enc = ib.ib_step(pxy, enc, beta)
        out.append((info.mutual_information(enc * px[:, None]), info.mutual_information(enc.T @ pxy)))
    i_xt, i_ty = (np.array(v)[::-1] for v in zip(*out))
    return i_xt, i_ty


def _critical(pxy, index=1, power=2):
    px, py = pxy.sum(1), pxy.sum(0)
    return 1 / np.linalg.svd(pxy / np.sqrt(np.outer(px, py)), compute_uv=False)[index] ** power


LN2 = math.log(2)


def _kl_per_dim(m, s):
    """KL(N(m, s^2) || N(0, 1)) in bits, elementwise."""
    return (s ** 2 + m ** 2 - 1 - 2 * torch.log(s)) / (2 * LN2)


def _vib_loss(logits, y, mean, std, beta, *, ce_scale=1 / LN2, kl=lambda m, s: _kl_per_dim(m, s).sum(-1).mean(),
              log_probs=lambda lg: torch.log_softmax(lg, -1), beta_on_ce=False):
    """A learner's VIB loss; the keywords make known mistakes."""
    ce = torch.nn.functional.nll_loss(log_probs(logits), y) * ce_scale
    return beta * ce + kl(mean, std) if beta_on_ce else ce + beta * kl(mean, std)


def _predict_numpy(logits):
    """A correct answer written in numpy: softmax, mean over the samples, argmax."""
    z = logits.numpy()
    p = np.exp(z - z.max(-1, keepdims=True))
    return np.argmax((p / p.sum(-1, keepdims=True)).mean(axis=0), axis=-1)


def _exact(t, y, *, log=np.log2, uniform=False, per_unit=False, conditional=False, decimals=None, as_bytes=False):
    """A learner's exact estimator; the keywords make known mistakes."""
    t = np.round(t, decimals) if decimals is not None else t

    def h(rows):
        if as_bytes:
            rows = np.array([row.tobytes() for row in rows])
            counts = np.unique(rows, return_counts=True)[1]
        else:
            counts = np.unique(rows, axis=0, return_counts=True)[1]
        if uniform:
            return np.log2(len(counts))
        p = counts / counts.sum()
        return -np.sum(p * log(p))

    groups = [t[:, [k]] for k in range(t.shape[1])] if per_unit else [t]
    h_t = sum(h(g) for g in groups)
    h_t_y = sum(np.mean(y == c) * sum(h(g[y == c]) for g in groups) for c in np.unique(y))
    return h_t, (h_t_y if conditional else h_t - h_t_y)


def _kde(t, v, *, squared=True, scale=2.0, log=np.log2, var_is_std=False, keep_self=True, jensen=False):
    """A learner's KDE upper bound with scipy's cdist; the keywords make known mistakes."""
    from scipy.spatial.distance import cdist

    d = cdist(t, t, "sqeuclidean" if squared else "euclidean")
    kernel = np.exp(-d / (scale * (v ** 2 if var_is_std else v)))
    if not keep_self:
        np.fill_diagonal(kernel, 0.0)
        inner = kernel.sum(1) / (len(t) - 1)
    else:
        inner = kernel.mean(1)
    return -log(inner.mean()) if jensen else -np.mean(log(inner))


def _recorder(model, inputs, names, *, what="output", remove=True, numpy=True, keep=None):
    """A learner's hook recorder; the keywords make known mistakes."""
    modules = dict(model.named_modules())
    captured = {} if keep is None else keep

    def hook_for(name):
        def hook(module, args, output):
            value = (args[0] if what == "input" else output).detach()
            captured[name] = value.numpy().copy() if numpy else value.clone()
        return hook

    handles = [(model if what == "model" else modules[name]).register_forward_hook(hook_for(name)) for name in names]
    with torch.no_grad():
        model(inputs)
    if remove:
        for handle in handles:
            handle.remove()
    return dict(captured)


def _noise(h, std, *, scale=lambda s: s, draw=torch.randn_like, shared=False, detach=False, in_place=False):
    """A learner's noise injection; the keywords make known mistakes."""
    eps = draw(h[0]).expand_as(h) if shared else draw(h)
    base = h.detach() if detach else h
    if in_place:
        return h.data.add_(scale(std)[:, None, None] * eps)
    return base + scale(std)[:, None, None] * eps


_CACHED = torch.randn(3, 20_000, 2)


def _quantise(t, bits, *, steps=lambda k: 2 ** k - 1, rounding=np.round, back=True, clip=True):
    """A learner's k-bit quantisation; the keywords make known mistakes."""
    t = np.clip(t, -1, 1) if clip else np.asarray(t)
    s = steps(bits)
    j = rounding((t + 1) / 2 * s)
    return -1 + 2 * j / s if back else j / s


def _ic_bound(i, n, d, *, unit=LN2, cells=np.exp2, log_delta=np.log, denominator=2):
    return np.sqrt((cells(np.asarray(i, dtype=float)) * unit + log_delta(1 / d)) / (denominator * n))


def _langevin(lrs, stds, clip, dim, *, log=np.log2, cumulative=True, per_dim=True, var=True):
    """A learner's Pensia-Jog-Loh bound written as a loop; the keywords make known mistakes."""
    total, out = 0.0, []
    for lr, s in zip(lrs, stds):
        term = dim / 2 * log(1 + lr ** 2 * clip ** 2 / ((dim if per_dim else 1) * (s ** 2 if var else s)))
        total = total + term if cumulative else term
        out.append(total)
    return np.array(out)


_STALE: dict = {}  # a recorder that keeps one dict across calls returns layers it was not asked for


def _plugin_counter(x, y, miller_madow, *, log=math.log2, sign=1, joint_cells=None, denominator=2):
    """A learner's plug-in estimate with collections.Counter; the keywords make known mistakes."""
    from collections import Counter

    n = len(x)

    def h(values):
        counts = Counter(values.tolist() if isinstance(values, np.ndarray) else values)
        return -sum(c / n * log(c / n) for c in counts.values()), len(counts)

    (h_x, m_x), (h_y, m_y) = h(x), h(y)
    h_xy, m_xy = h(list(zip(x.tolist(), y.tolist())))
    bits = h_x + h_y - h_xy
    if miller_madow:
        cells = m_xy if joint_cells is None else joint_cells(m_x, m_y)
        bits -= sign * ((cells - 1) - (m_x - 1) - (m_y - 1)) / (denominator * n * (math.log(2) if log is math.log2
                                                                                   else 1.0))
    return bits


def _ksg_brute(x, y, k, *, norm=np.inf, strict=True, offset=1):
    """A learner's KSG by brute force (all pairwise distances, no tree); the keywords make known mistakes."""
    from scipy.special import digamma

    x, y = np.asarray(x, float).reshape(len(x), -1), np.asarray(y, float).reshape(len(y), -1)
    dx = np.linalg.norm(x[:, None] - x[None], ord=norm, axis=-1)
    dy = np.linalg.norm(y[:, None] - y[None], ord=norm, axis=-1)
    dz = np.maximum(dx, dy) if norm == np.inf else np.sqrt(dx ** 2 + dy ** 2)
    np.fill_diagonal(dz, np.inf)
    eps = np.sort(dz, axis=1)[:, k - offset]
    closer = (lambda d: d < eps[:, None]) if strict else (lambda d: d <= eps[:, None])
    n_x, n_y = closer(dx).sum(1) - 1, closer(dy).sum(1) - 1
    return (digamma(k) + digamma(len(x)) - np.mean(digamma(n_x + 1) + digamma(n_y + 1))) / math.log(2)


def _infonce_softmax(scores, *, over=1, plus_log_n=True, unit=LN2):
    """A learner's InfoNCE with log_softmax; the keywords make known mistakes."""
    n = scores.shape[0]
    log_p = torch.log_softmax(scores, dim=over).diagonal().mean()
    return (log_p + (math.log(n) if plus_log_n else 0.0)) / unit


def _dv_masked(scores, *, with_diagonal=False, unit=LN2, take_log=True):
    """A learner's DV bound with a boolean mask; the keywords make known mistakes."""
    n = scores.shape[0]
    mask = torch.ones(n, n, dtype=torch.bool) if with_diagonal else ~torch.eye(n, dtype=torch.bool)
    marginal = torch.exp(scores[mask]).mean()
    return (scores.diagonal().mean() - (torch.log(marginal) if take_log else marginal)) / unit


def _probe_bound(lp, y, *, log=np.log2, h="frequencies", pick=True):
    """A learner's probe bound; the keywords make known mistakes."""
    p = np.bincount(y, minlength=lp.shape[1]) / len(y)
    h_y = np.log2(lp.shape[1]) if h == "uniform" else -np.sum(p[p > 0] * log(p[p > 0]))
    log_q = lp[np.arange(len(y)), y] if pick else lp.mean(1)
    return h_y + log_q.mean() / (np.log(2) if log is np.log2 else 1.0)


def _probe_bound_ok(lp, y):
    return _probe_bound(lp, y)


def _entropy_ok(p):
    nz = p[p > 0]
    return -np.sum(nz * np.log2(nz))


@pytest.mark.parametrize("exercise, answer", [
    (check.entropy, _entropy_ok),
    (check.mutual_information, info.mutual_information),
    (check.ib_update, lambda pxy, enc, beta: _ib_update_with(pxy, enc, beta)),
    (check.binned_information, _binned),
    (check.kl_gaussian, lambda m, s: (s ** 2 + m ** 2 - 1 - 2 * torch.log(s)).sum(-1) / (2 * math.log(2))),
    (check.reparameterise, lambda m, s, e: e * s + m),
    (check.critical_beta, _critical),
    (check.anneal, _anneal),
    (check.vib_loss, lambda lg, y, m, s, b: _vib_loss(lg, y, m, s, b)),
    (check.predict, lambda lg: torch.softmax(lg, dim=2).sum(dim=0).argmax(dim=1)),
    (check.predict, _predict_numpy),
    (check.rate_per_dimension, lambda m, s: _kl_per_dim(m, s).mean(0)),
    (check.rate_per_dimension, lambda m, s: torch.stack([_kl_per_dim(m[:, k], s[:, k]).mean() for k in range(m.shape[1])])),
    (check.exact_information, _exact),
    (check.kde_upper_bound, _kde),
    (check.record_layers, _recorder),
    (check.add_noise, _noise),
    (check.add_noise, lambda h, std: h + torch.normal(0.0, 1.0, size=h.shape) * std.reshape(-1, 1, 1)),
    (check.quantise, _quantise),
    (check.quantise, lambda t, bits: torch.from_numpy(_quantise(t, bits))),
    (check.input_compression_bound, _ic_bound),
    (check.langevin_information, _langevin),
    (check.plugin_mi, _plugin_counter),
    (check.ksg, _ksg_brute),
    (check.infonce, _infonce_softmax),
    (check.dv, _dv_masked),
    (check.rate_by_class, lambda kl, y, c: np.array([np.mean(np.asarray(kl)[np.asarray(y) == k]) for k in range(c)])),
    (check.rate_by_class, lambda kl, y, c: np.bincount(y, weights=kl, minlength=c) / np.bincount(y, minlength=c)),
    (check.attention_entropy, lambda w: -(w * torch.log2(w.double().clamp_min(1e-300))).sum(-1)),
    (check.attention_entropy, lambda w: -np.nansum(w.numpy() * np.log2(w.numpy()), axis=-1)),
    (check.relevant_mass, lambda w, r: torch.where(r, w, torch.zeros_like(w)).sum(-1)),
    (check.relevant_mass, lambda w, r: (w.numpy() * r.numpy()).sum(axis=-1)),
    (check.probe_bound, _probe_bound_ok),
])
def test_correct_answers_pass_through(exercise, answer, capsys, monkeypatch):
    monkeypatch.setenv("IBCOURSE_STRICT", "1")
    assert exercise(answer) is answer
    assert "correct" in capsys.readouterr().out


WRONG = [
    (check.entropy, lambda p: -np.sum(p[p > 0] * np.log(p[p > 0])), "natural logarithm"),
    (check.entropy, lambda p: -np.sum(p * np.log2(p)), "skip the cells where p = 0"),
    (check.entropy, lambda p: np.sum(p[p > 0] * np.log2(p[p > 0])), "sign"),
    (check.entropy, lambda p: len(p), "H(p) = -sum"),
    (check.mutual_information, lambda pxy: info.mutual_information(pxy) * np.log(2), "natural logarithm"),
    (check.mutual_information, lambda pxy: np.sum(pxy * np.log2(pxy / np.outer(pxy.sum(1), pxy.sum(0)))), "0 log 0"),
    (check.mutual_information, lambda pxy: -info.conditional_entropy(pxy), "-H(Y|X)"),
    (check.ib_update, lambda pxy, enc, beta: _ib_update_with(pxy, enc, beta, prior=False), "prior p(t)"),
    (check.ib_update, lambda pxy, enc, beta: _ib_update_with(pxy, enc, beta, unit=1.0), "units"),
    (check.ib_update, lambda pxy, enc, beta: _ib_update_with(pxy, enc, beta, sign=1.0), "-beta KL"),
    (check.ib_update, lambda pxy, enc, beta: _ib_update_with(pxy, enc, beta, normalise=False), "sum to 1"),
    (check.ib_update, lambda pxy, enc, beta: None, "return"),
    (check.entropy, _not_done, "not implemented"),
    (check.binned_information, lambda t, y, b: _binned(t, y, b, log=np.log), "natural logarithm"),
    (check.binned_information, lambda t, y, b: _binned(t, y, b, per_unit=True), "one symbol"),
    (check.binned_information, lambda t, y, b: _binned(t, y, b, conditional=True), "H(T|Y) itself"),
    (check.binned_information, lambda t, y, b: _binned(t, y, b, edges=np.linspace(-1, 1, b)), "n_bins + 1 edges"),
    (check.binned_information, lambda t, y, b: _binned(t, y, b)[0], "expected"),
    (check.exact_information, lambda t, y: _exact(t, y, log=np.log), "natural logarithm"),
    (check.exact_information, lambda t, y: _exact(t, y, uniform=True), "equally often"),
    (check.exact_information, lambda t, y: _exact(t, y, per_unit=True), "whole rows"),
    (check.exact_information, lambda t, y: _exact(t, y, conditional=True), "H(T|Y) itself"),
    (check.exact_information, lambda t, y: _exact(t, y, decimals=4), "rounding to 4 decimals is binning"),
    (check.exact_information, lambda t, y: _exact(t, y, as_bytes=True), "-0.0 and 0.0"),
    (check.exact_information, lambda t, y: (_exact(t, y)[0], 0.0), "expected"),
    (check.kde_upper_bound, lambda t, v: _kde(t, v, log=np.log), "nats"),
    (check.kde_upper_bound, lambda t, v: _kde(t, v, squared=False), "squared distance"),
    (check.kde_upper_bound, lambda t, v: _kde(t, v, scale=8.0), "lower bound"),
    (check.kde_upper_bound, lambda t, v: _kde(t, v, scale=1.0), "left out the 2"),
    (check.kde_upper_bound, lambda t, v: _kde(t, v, var_is_std=True), "don't square it"),
    (check.kde_upper_bound, lambda t, v: _kde(t, v, keep_self=False), "including j = i"),
    (check.kde_upper_bound, lambda t, v: _kde(t, v, jensen=True), "log inside"),
    (check.kde_upper_bound, lambda t, v: 0.5 * _kde(t, v), "expected"),
    (check.record_layers, lambda m, x, names: _recorder(m, x, names, what="input"), "args[0]"),
    (check.record_layers, lambda m, x, names: _recorder(m, x, names, what="model"), "hooked the whole model"),
    (check.record_layers, lambda m, x, names: _recorder(m, x, names, remove=False), "handle.remove()"),
    (check.record_layers, lambda m, x, names: _recorder(m, x, names, numpy=False), "numpy arrays"),
    (check.record_layers, lambda m, x, names: _recorder(m, x, names, keep=_STALE), "only the named layers"),
    (check.record_layers, lambda m, x, names: {n: dict(m.named_children())[n] for n in names}, "KeyError"),
    (check.kl_gaussian, lambda m, s: (s ** 2 + m ** 2 - 1 - 2 * torch.log(s)).sum(-1) / 2, "nats"),
    (check.kl_gaussian, lambda m, s: (s ** 2 + m ** 2 - 1 - 2 * torch.log(s)).mean(-1) / (2 * math.log(2)), "divides beta by K"),
    (check.kl_gaussian, lambda m, s: (s ** 2 + m ** 2 - 1 - torch.log(s)).sum(-1) / (2 * math.log(2)), "2 log sigma"),
    (check.kl_gaussian, lambda m, s: (s + m ** 2 - 1 - torch.log(s)).sum(-1) / (2 * math.log(2)), "variance is std**2"),
    (check.reparameterise, lambda m, s, e: m + s * s * e, "not the variance"),
    (check.reparameterise, lambda m, s, e: m + e, "unit variance"),
    (check.reparameterise, lambda m, s, e: (m + s) * e, "shift after scaling"),
    (check.reparameterise, lambda m, s, e: torch.normal(m, s), "expected"),
    (check.critical_beta, lambda pxy: _critical(pxy, index=0), "largest singular value is always 1"),
    (check.critical_beta, lambda pxy: _critical(pxy, power=1), "not 1 / s_2"),
    (check.critical_beta, lambda pxy: _critical(pxy, power=-2), "its inverse"),
    (check.critical_beta, lambda pxy: 1 / np.linalg.svd(pxy, compute_uv=False)[1] ** 2, "not of p(x, y) itself"),
    (check.anneal, lambda pxy, betas: _anneal(pxy, betas, fresh=True), "warm start"),
    (check.anneal, lambda pxy, betas: (np.zeros(len(betas)), np.zeros(len(betas))), "never leaves I = 0"),
    (check.anneal, lambda pxy, betas: tuple(v[::-1] for v in _anneal(pxy, betas)), "order of `betas`"),
    (check.anneal, lambda pxy, betas: _anneal(pxy, betas)[::-1], "in that order"),
    (check.vib_loss, lambda lg, y, m, s, b: _vib_loss(lg, y, m, s, b, ce_scale=1.0), "cross-entropy is in nats"),
    (check.vib_loss, lambda lg, y, m, s, b: _vib_loss(lg, y, m, s, b, ce_scale=1.0,
                                                      kl=lambda m, s: LN2 * _kl_per_dim(m, s).sum(-1).mean()),
     "all in nats"),
    (check.vib_loss, lambda lg, y, m, s, b: _vib_loss(lg, y, m, s, b, kl=lambda m, s: _kl_per_dim(m, s).mean()),
     "divides beta by K"),
    (check.vib_loss, lambda lg, y, m, s, b: _vib_loss(lg, y, m, s, b, kl=lambda m, s: _kl_per_dim(m, s).sum()),
     "grow with the batch size"),
    (check.vib_loss, lambda lg, y, m, s, b: _vib_loss(lg, y, m, s, b, beta_on_ce=True), "beta weighs the KL"),
    (check.vib_loss, lambda lg, y, m, s, b: _vib_loss(lg, y, m, s, b, log_probs=lambda lg: lg), "log_softmax"),
    (check.vib_loss, lambda lg, y, m, s, b: _vib_loss(lg, y, m, s, b, log_probs=lambda lg: torch.log_softmax(
        torch.softmax(lg, -1), -1)), "softmax is applied twice"),
    (check.vib_loss, lambda lg, y, m, s, b: torch.nn.functional.cross_entropy(lg, y, reduction="sum") / LN2
     + b * _kl_per_dim(m, s).sum(-1).mean(), "average the cross-entropy"),
    (check.predict, lambda lg: lg.mean(0).argmax(-1), "not the logits"),
    (check.predict, lambda lg: torch.log_softmax(lg, -1).mean(0).argmax(-1), "not the logits"),
    (check.predict, lambda lg: torch.mode(lg.argmax(-1), 0).values, "majority vote"),
    (check.predict, lambda lg: lg[0].argmax(-1), "first sample"),
    (check.predict, lambda lg: lg[-1].argmax(-1), "expected"),
    (check.predict, lambda lg: torch.softmax(lg, -1).mean(1).argmax(-1), "not over the batch"),
    (check.predict, lambda lg: torch.softmax(lg, 0).mean(0).argmax(-1), "over the classes"),
    (check.predict, lambda lg: torch.softmax(lg, -1).mean(0), "not the probabilities"),
    (check.rate_per_dimension, lambda m, s: _kl_per_dim(m, s).mean(0) * LN2, "nats"),
    (check.rate_per_dimension, lambda m, s: _kl_per_dim(m, s).sum(0), "do not sum"),
    (check.rate_per_dimension, lambda m, s: _kl_per_dim(m, s).mean(1), "not over the dims"),
    (check.rate_per_dimension, lambda m, s: _kl_per_dim(m, s).sum(1).mean(), "total rate"),
    (check.rate_per_dimension, lambda m, s: (s ** 2 + m ** 2 - 1 - torch.log(s)).mean(0) / (2 * LN2), "2 log sigma"),
    (check.rate_per_dimension, lambda m, s: m.var(0), "spread of the means"),
    (check.rate_per_dimension, lambda m, s: (m.var(0) + s.pow(2).mean(0)) / 2, "expected"),
    (check.add_noise, _not_done, "not implemented"),
    (check.add_noise, lambda h, std: None, "return"),
    (check.add_noise, lambda h, std: _noise(h, std)[:, :10], "shape"),
    (check.add_noise, lambda h, std: _noise(h, std, in_place=True), "in place"),
    (check.add_noise, lambda h, std: h + 0.1 * torch.randn_like(h), "member 0 has std = 0"),
    (check.add_noise, lambda h, std: _noise(h, std, scale=lambda s: s ** 2), "not by std**2"),
    (check.add_noise, lambda h, std: _noise(h, std, scale=torch.sqrt), "square root"),
    (check.add_noise, lambda h, std: _noise(h, std, draw=torch.rand_like), "mean 0"),
    (check.add_noise, lambda h, std: _noise(h, std, draw=lambda v: (torch.rand_like(v) - 0.5) * 12 ** 0.5),
     "not Gaussian"),
    (check.add_noise, lambda h, std: _noise(h, std, shared=True), "share one draw"),
    (check.add_noise, lambda h, std: h + std[:, None, None] * torch.randn(h.shape[0], h.shape[1], 1), "units share"),
    (check.add_noise, lambda h, std: h + std[:, None, None] * _CACHED, "same noise at every call"),
    (check.add_noise, lambda h, std: _noise(h, std, detach=True), "no gradient reaches h"),
    (check.add_noise, lambda h, std: h + (h - h.detach()) + std[:, None, None] * torch.randn_like(h), "must be 1"),
    (check.add_noise, lambda h, std: h + std[None, :, None] * torch.randn_like(h), "RuntimeError"),
    (check.quantise, lambda t, b: _quantise(t, b, steps=lambda k: 2 ** k), "one level too many"),
    (check.quantise, lambda t, b: _quantise(t, b, steps=lambda k: k - 1 if k > 1 else 1), "not bits of them"),
    (check.quantise, lambda t, b: _quantise(t, b, rounding=np.floor), "do not round down"),
    (check.quantise, lambda t, b: _quantise(t, b, back=False), "map the level back"),
    (check.quantise, lambda t, b: np.round((np.clip(t, -1, 1) + 1) / 2 * (2 ** b - 1)), "not its index"),
    (check.quantise, lambda t, b: -1 + (2 * np.clip(np.floor((t + 1) / 2 * 2 ** b), 0, 2 ** b - 1) + 1) / 2 ** b,
     "centres"),
    (check.quantise, lambda t, b: _quantise(t, b, clip=False), "clip values"),
    (check.quantise, lambda t, b: np.tanh(t), "expected"),
    (check.input_compression_bound, lambda i, n, d: _ic_bound(i, n, d, unit=1.0), "left out the ln 2"),
    (check.input_compression_bound, lambda i, n, d: _ic_bound(i, n, d, cells=lambda v: v), "I(X;T) itself"),
    (check.input_compression_bound, lambda i, n, d: np.sqrt(i / n), "not a bound"),
    (check.input_compression_bound, lambda i, n, d: _ic_bound(i, n, d, log_delta=np.log2), "natural logarithm"),
    (check.input_compression_bound, lambda i, n, d: _ic_bound(i, n, d, denominator=1), "2 n"),
    (check.input_compression_bound, lambda i, n, d: _ic_bound(i, n, d) ** 2, "square root"),
    (check.input_compression_bound, lambda i, n, d: _ic_bound(i, n, d, log_delta=lambda v: -np.log(v)), "positive"),
    (check.langevin_information, lambda *a: _langevin(*a, log=np.log), "nats"),
    (check.langevin_information, lambda *a: _langevin(*a, cumulative=False), "running sum"),
    (check.langevin_information, lambda *a: _langevin(*a)[-1], "only the last value"),
    (check.langevin_information, lambda *a: _langevin(*a, per_dim=False), "d inside the log"),
    (check.langevin_information, lambda *a: _langevin(*a, var=False), "noise_std**2"),
    (check.langevin_information, lambda lr, s, c, d: np.cumsum(d / 2 * np.log2(1 + lr * c ** 2 / (d * s ** 2))),
     "square the learning rate"),
    (check.langevin_information, lambda lr, s, c, d: np.cumsum(d / 2 * np.log2(1 + lr ** 2 * c / (d * s ** 2))),
     "square the clipping norm"),
    (check.langevin_information, lambda lr, s, c, d: 2 * _langevin(lr, s, c, d), "1/2"),
    (check.langevin_information, lambda lr, s, c, d: np.cumsum(lr ** 2 * c ** 2 / (2 * s ** 2 * math.log(2))),
     "linearisation"),
    (check.plugin_mi, lambda x, y, mm: _plugin_counter(x, y, mm, log=math.log), "nats"),
    (check.plugin_mi, lambda x, y, mm: _plugin_counter(x, y, mm, sign=-1), "subtracted"),
    (check.plugin_mi, lambda x, y, mm: _plugin_counter(x, y, mm, joint_cells=lambda a, b: a * b), "m_X m_Y"),
    (check.plugin_mi, lambda x, y, mm: _plugin_counter(x, y, mm, denominator=1), "divided by n"),
    (check.plugin_mi, lambda x, y, mm: _plugin_counter(x, y, False), "only when miller_madow is True"),
    (check.plugin_mi, lambda x, y, mm: _plugin_counter(x, y, mm) + 0.01, "expected"),
    (check.ksg, lambda x, y, k: _ksg_brute(x, y, k) * LN2, "nats"),
    (check.ksg, lambda x, y, k: _ksg_brute(x, y, k, norm=2), "you used the Euclidean distance"),
    (check.ksg, lambda x, y, k: _ksg_brute(x, y, k, strict=False), "strictly closer"),
    (check.ksg, lambda x, y, k: _ksg_brute(x, y, k, offset=0), "expected"),
    (check.infonce, lambda s: _infonce_softmax(s, unit=1.0), "nats"),
    (check.infonce, lambda s: _infonce_softmax(s, plus_log_n=False), "add log n"),
    (check.infonce, lambda s: _infonce_softmax(s, over=0), "along row i"),
    (check.infonce, lambda s: _infonce_softmax(s) - 0.1, "expected"),
    (check.dv, lambda s: _dv_masked(s, unit=1.0), "nats"),
    (check.dv, lambda s: _dv_masked(s, with_diagonal=True), "off the diagonal"),
    (check.dv, lambda s: _dv_masked(s, take_log=False), "NWJ"),
    (check.dv, lambda s: (s.diagonal().mean() - s[~torch.eye(len(s), dtype=torch.bool)].mean()) / LN2, "Jensen"),
    (check.rate_by_class, lambda kl, y, c: np.bincount(y, weights=kl, minlength=c) / len(kl), "share"),
    (check.rate_by_class, lambda kl, y, c: np.bincount(y, weights=kl, minlength=c), "not a sum"),
    (check.rate_by_class, lambda kl, y, c: np.full(c, np.mean(kl)), "group the inputs"),
    (check.rate_by_class, lambda kl, y, c: np.array([np.median(kl[y == k]) for k in range(c)]), "expected"),
    (check.attention_entropy, lambda w: -(w * torch.log(w.double().clamp_min(1e-300))).sum(-1), "natural logarithm"),
    (check.attention_entropy, lambda w: -(w * torch.log2(w)).sum(-1), "0 log 0"),
    (check.attention_entropy, lambda w: -(w * torch.log2(w.double().clamp_min(1e-300))).sum(-2), "LAST axis"),
    (check.attention_entropy, lambda w: -(w * torch.log2(w.double().clamp_min(1e-300))).sum(-1) / math.log2(w.shape[-1]),
     "divided by its maximum"),
    (check.attention_entropy, lambda w: (w * torch.log2(w.double().clamp_min(1e-300))).sum(-1), "never negative"),
    (check.attention_entropy, lambda w: -(w * torch.log2(w + 1e-3)).sum(-1), "expected"),
    (check.relevant_mass, lambda w, r: (w * r).mean(-1), "do not average"),
    (check.relevant_mass, lambda w, r: (w * r).sum(-1) / r.sum(-1), "mean weight per relevant"),
    (check.relevant_mass, lambda w, r: (w * ~r).sum(-1), "other positions"),
    (check.relevant_mass, lambda w, r: w.max(-1).values, "expected"),
    (check.probe_bound, lambda lp, y: _probe_bound(lp, y, log=np.log), "nats"),
    (check.probe_bound, lambda lp, y: -lp[np.arange(len(y)), y].mean() / np.log(2), "cross-entropy itself"),
    (check.probe_bound, lambda lp, y: _probe_bound(lp, y, h="uniform"), "number of classes"),
    (check.probe_bound, lambda lp, y: _probe_bound(lp, y, pick=False), "own label"),
    (check.probe_bound, lambda lp, y: -_probe_bound(lp, y), "not CE - H(Y)"),
]


@pytest.mark.parametrize("exercise, wrong, hint", WRONG)
def test_wrong_answers_get_a_hint_and_the_reference(exercise, wrong, hint, capsys, monkeypatch):
    monkeypatch.delenv("IBCOURSE_STRICT", raising=False)
    assert exercise(wrong) is exercise.reference
    out = capsys.readouterr().out
    assert "✗" in out and " ".join(hint.split()) in " ".join(out.split())  # output is folded at 90 columns


@pytest.mark.parametrize("exercise, wrong, hint", WRONG)
def test_strict_mode_raises(exercise, wrong, hint, monkeypatch):
    monkeypatch.setenv("IBCOURSE_STRICT", "1")
    with pytest.raises(ExerciseError, match=re.escape(hint)):
        exercise(wrong)


def test_learner_exception_is_reported(capsys, monkeypatch):
    monkeypatch.delenv("IBCOURSE_STRICT", raising=False)
    check.entropy(lambda p: p.undefined_attribute)
    assert "AttributeError" in capsys.readouterr().out


def test_bad_flag_value_is_an_error(monkeypatch):
    monkeypatch.setenv("IBCOURSE_STRICT", "maybe")
    with pytest.raises(ValueError, match="IBCOURSE_STRICT"):
        check.entropy(lambda p: 0.0)


def _entropy_in_place(p):
    """Correct, but overwrites its input (a learner's legitimate shortcut)."""
    p[p == 0] = 1.0  # log2(1) = 0: the zero cells now contribute nothing
    return -np.sum(p * np.log2(p))


def _mi_in_place(pxy):
    result = info.mutual_information(pxy)
    pxy *= 0.0
    return result


@pytest.mark.parametrize("exercise, answer", [(check.entropy, _entropy_in_place),
                                              (check.mutual_information, _mi_in_place)])
def test_answers_that_modify_their_input_are_judged_on_their_values(exercise, answer, monkeypatch):
    monkeypatch.setenv("IBCOURSE_STRICT", "1")
    assert exercise(answer) is answer


@pytest.mark.parametrize("eps", [1e-8, 1e-10, 1e-12])
def test_an_epsilon_in_the_log_is_recognised(eps, monkeypatch):
    monkeypatch.setenv("IBCOURSE_STRICT", "1")
    with pytest.raises(ExerciseError, match="no epsilon"):
        check.entropy(lambda p: -np.sum(p * np.log2(p + eps)))
    with pytest.raises(ExerciseError, match="no epsilon"):
        check.mutual_information(
            lambda pxy: np.sum(pxy * np.log2((pxy + eps) / (np.outer(pxy.sum(1), pxy.sum(0)) + eps))))


@pytest.mark.parametrize("wrong, message", [
    (lambda m, s, e: (m + s * e).detach(), "no gradient"),
    (lambda m, s, e: torch.from_numpy((m + s * e).detach().numpy()), "no gradient"),
    (lambda m, s, e: m.detach() + s * e, "does not reach mean"),
    (lambda m, s, e: m + s.detach() * e, "does not reach std"),
    (lambda m, s, e: m + (s * e - s * e.detach()) + s.detach() * e, "gradients are wrong"),
])
def test_reparameterised_sample_must_pass_gradients(wrong, message, monkeypatch):
    monkeypatch.setenv("IBCOURSE_STRICT", "1")
    with pytest.raises(ExerciseError, match=message):
        check.reparameterise(wrong)


@pytest.mark.parametrize("wrong, message", [
    (lambda lg, y, m, s, b: _vib_loss(lg, y, m, s, b).item(), "torch scalar"),
    (lambda lg, y, m, s, b: _vib_loss(lg, y, m, s, b).detach(), "no gradient"),
    (lambda lg, y, m, s, b: _vib_loss(lg.detach(), y, m, s, b), "no gradient reaches|gradient with respect to logits"),
    (lambda lg, y, m, s, b: _vib_loss(lg, y, m, s.detach(), b), "gradient with respect to std"),
])
def test_vib_loss_must_be_a_differentiable_scalar(wrong, message, monkeypatch):
    """The notebook trains with the learner's loss: right values are not enough."""
    monkeypatch.setenv("IBCOURSE_STRICT", "1")
    with pytest.raises(ExerciseError, match=message):
        check.vib_loss(wrong)


@pytest.mark.parametrize("exercise, wrong, message", [
    (check.infonce, lambda s: _infonce_softmax(s).item(), "torch scalar"),
    (check.infonce, lambda s: _infonce_softmax(s.detach()), "no gradient"),
    (check.dv, lambda s: torch.tensor(_dv_masked(s).item(), dtype=torch.float64, requires_grad=True), "cut off from the scores"),
    (check.dv, lambda s: _dv_masked(s).item(), "torch scalar"),
])
def test_bounds_must_be_differentiable_scalars(exercise, wrong, message, monkeypatch):
    """Notebook 6 maximises these bounds: right values are not enough."""
    monkeypatch.setenv("IBCOURSE_STRICT", "1")
    with pytest.raises(ExerciseError, match=message):
        exercise(wrong)


def test_each_predict_mistake_differs_from_the_reference_on_every_case():
    """The cases are built so that averaging logits, voting and the first sample all give other classes."""
    from ibcourse.exercises import _PREDICT_CASES

    for (logits,) in _PREDICT_CASES:
        want = check.predict.reference(logits)
        for mistake in check.predict.mistakes[:3]:
            assert bool((mistake.answer(logits) != want).any())


@pytest.mark.parametrize("notebook", ["03_compression_generalization", "04_deep_vib", "05_architectures",
                                      "06_applications", "A1_estimating_mutual_information"])
def test_notebooks_number_their_exercises_in_order_and_as_their_checks_do(notebook):
    """Each stub's "Exercise N.M" (or "A1.M") is the number of the check that follows it, and the numbers increase."""
    import jupytext

    cells = jupytext.read(Path(__file__).resolve().parent.parent / "notebooks" / f"{notebook}.py").cells
    numbers, sections = [], set()
    for i, cell in enumerate(cells):
        if "exercise" in cell.metadata.get("tags", []):
            stub = re.search(r'NotImplementedError\("Exercise ([A-Z]?\d+\.\d+)', cell.source).group(1)
            name = re.search(r"check\.(\w+)\(", cells[i + 2].source).group(1)
            assert getattr(check, name).number == stub, f"the stub says {stub}, check.{name} says otherwise"
            section, number = stub.split(".")
            sections.add(section)
            numbers.append(int(number))
    assert numbers == sorted(numbers) and len(set(numbers)) == len(numbers), numbers
    assert sections == {notebook.split("_")[0].lstrip("0")}


def test_grade_log_gets_one_line_per_verdict(tmp_path, monkeypatch):
    """IBCOURSE_GRADE_LOG: each check appends {exercise, passed, message}, in strict mode before it raises."""
    log = tmp_path / "log.jsonl"
    monkeypatch.setenv("IBCOURSE_GRADE_LOG", str(log))
    monkeypatch.delenv("IBCOURSE_STRICT", raising=False)

    def wrong(p):
        return -np.sum(p[p > 0] * np.log(p[p > 0]))

    check.entropy(info.entropy)
    check.entropy(wrong)
    with pytest.raises(ExerciseError):
        check.mutual_information(lambda pxy: 0.0, strict=True)
    assert [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines()] == [
        {"exercise": "1.1 entropy", "passed": True, "message": f"correct on all {len(check.entropy.cases)} test cases."},
        {"exercise": "1.1 entropy", "passed": False, "message": check.entropy.diagnose(wrong)},
        {"exercise": "1.2 mutual information", "passed": False,
         "message": check.mutual_information.diagnose(lambda pxy: 0.0)},
    ]
    assert "natural logarithm" in json.loads(log.read_text(encoding="utf-8").splitlines()[1])["message"]


def test_no_grade_log_without_the_variable(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("IBCOURSE_GRADE_LOG", raising=False)
    check.entropy(info.entropy)
    assert not list(tmp_path.iterdir())


def test_strict_keyword_overrides_the_environment(monkeypatch):
    monkeypatch.setenv("IBCOURSE_STRICT", "1")
    assert check.entropy(len, strict=False) is check.entropy.reference
    monkeypatch.delenv("IBCOURSE_STRICT")
    with pytest.raises(ExerciseError, match="Exercise 1.1"):
        check.entropy(len, strict=True)
    with pytest.raises(TypeError, match="strict"):
        check.entropy(info.entropy, strict="yes")


NOTEBOOK_SOURCES = sorted((Path(__file__).resolve().parent.parent / "notebooks").glob("*.py"))


@pytest.mark.parametrize("source", NOTEBOOK_SOURCES, ids=lambda p: p.stem)
def test_exercises_of_a_notebook_are_the_checks_it_calls(source):
    """The grader finds a notebook's exercises by its number: they must be exactly the checks it calls, in order."""
    names = re.findall(r"^\w+ = check\.(\w+)\(", source.read_text(), flags=re.MULTILINE)
    assert [getattr(check, n) for n in names] == exercises_of(source.stem) == exercises_of(source.stem + ".ipynb")


def test_exercise_ids_are_unique_and_numbered():
    ids = [e.id for e in all_exercises()]
    assert len(set(ids)) == len(ids)
    assert ids[0] == "1.1 entropy" and all(re.match(r"([1-9][0-9]?|[A-Z][0-9])\.[1-9][0-9]? \S", i) for i in ids)


@pytest.mark.parametrize("name, error", [("homework", ValueError), ("1_ib_principle", ValueError),
                                         ("07_not_written", ValueError), (1, TypeError)])
def test_exercises_of_bad_names(name, error):
    with pytest.raises(error, match="notebook"):
        exercises_of(name)




# ---------------------------------------------------------------------------- Section 6: applications
def _rank_numpy(m, s, *, unit=1.0, order="descending", by="rate"):
    """A learner's ranking in numpy (nats: the order does not depend on the unit); keywords make mistakes."""
    m, s = m.numpy(), s.numpy()
    score = {"rate": np.mean(s ** 2 + m ** 2 - 1 - 2 * np.log(s), axis=0) / (2 * unit),
             "variance": np.mean(s ** 2, axis=0), "spread": m.var(axis=0), "abs": np.abs(m).mean(0)}[by]
    return np.argsort(-score if order == "descending" else score, kind="stable")


def _prune_loop(w, b, d, keep, *, offset=True, bias=True, rows=True, stds=True):
    """A learner's pruning with index lists; keywords make mistakes."""
    k = d.shape[0]
    columns = [int(j) for j in keep] + ([int(j) + (k if offset else 0) for j in keep] if stds else [])
    return (w[:, columns], b[columns] if bias else b, d[[int(j) for j in keep]] if rows else d[:, [int(j) for j in keep]])


def _fgsm_backward(loss, x, y, eps, *, sign=1.0, clip=True, step="sign", in_place=False):
    """A learner's FGSM with .backward(); keywords make mistakes."""
    x_adv = x.clone().detach().requires_grad_(True)
    loss(x_adv, y).sum().backward()
    direction = {"sign": x_adv.grad.sign(), "raw": x_adv.grad,
                 "l2": x_adv.grad / x_adv.grad.norm(dim=-1, keepdim=True)}[step]
    if in_place:
        x += sign * eps * direction
        return x.clamp_(0, 1)
    out = x + sign * eps * direction
    return out.clamp(0, 1) if clip else out


def _contributions_einsum(w, z, *, unit=LN2, column=None, total=False):
    """A learner's contributions with einsum; keywords make mistakes."""
    difference = w[:, 1] - w[:, 0] if column is None else w[:, column]
    out = torch.einsum("nk,k->nk", z, difference) / unit
    return out.sum(1) if total else out


def _dib_loop(pxy, labels, beta, *, prior=True, log=np.log2, weighted=True, best=np.argmax):
    """A learner's DIB update with a loop over clusters; keywords make mistakes."""
    px = pxy.sum(1)
    clusters = np.unique(labels)
    scores = []
    for t in clusters:
        members = labels == t
        weights = px[members] if weighted else np.full(members.sum(), 1 / len(px))
        p_t = weights.sum()
        rows = pxy[members] / px[members, None]
        p_y_t = (weights[:, None] * rows).sum(0) / p_t
        kl = np.array([np.sum(r[r > 0] * np.log2(r[r > 0] / p_y_t[r > 0])) for r in pxy / px[:, None]])
        scores.append((log(p_t) if prior else 0.0) - beta * kl)
    return clusters[best(np.stack(scores, axis=1), axis=1)]


SECTION_6_RIGHT = [
    (check.rank_by_rate, _rank_numpy),
    (check.rank_by_rate, lambda m, s: torch.sort(_kl_per_dim(m, s).mean(0), descending=True).indices),
    (check.prune_layers, _prune_loop),
    (check.prune_layers, lambda w, b, d, keep: (torch.index_select(w, 1, torch.cat([keep, keep + d.shape[0]])),
                                                b[torch.cat([keep, keep + d.shape[0]])], d.index_select(0, keep))),
    (check.fgsm, _fgsm_backward),
    (check.contributions, _contributions_einsum),
    (check.contributions, lambda w, z: (z.numpy() * (w[:, 1] - w[:, 0]).numpy()) / np.log(2)),
    (check.dib_step, _dib_loop),
    (check.dib_step, lambda pxy, labels, beta: ib.dib_update(pxy, labels, beta)),
]

SECTION_6_WRONG = [
    (check.rank_by_rate, lambda m, s: _rank_numpy(m, s, order="ascending"), "decreasing order"),
    (check.rank_by_rate, lambda m, s: _rank_numpy(m, s, by="variance"), "the article's ranking"),
    (check.rank_by_rate, lambda m, s: _rank_numpy(m, s, by="spread"), "spread of the means"),
    (check.rank_by_rate, lambda m, s: _kl_per_dim(m, s).mean(0), "not the rates themselves"),
    (check.rank_by_rate, lambda m, s: _rank_numpy(m, s, by="abs"), "spread of the means"),
    (check.rank_by_rate, lambda m, s: torch.roll(torch.as_tensor(_rank_numpy(m, s)), 1), "expected"),
    (check.prune_layers, lambda w, b, d, keep: _prune_loop(w, b, d, keep, stds=False), "not only the means"),
    (check.prune_layers, lambda w, b, d, keep: _prune_loop(w, b, d, keep, offset=False), "keep + K for the stds"),
    (check.prune_layers, lambda w, b, d, keep: _prune_loop(w, b, d, keep, rows=False), "keep rows"),
    (check.prune_layers, lambda w, b, d, keep: _prune_loop(w, b, d, keep, bias=False), "bias"),
    (check.prune_layers, lambda w, b, d, keep: _prune_loop(w, b, d, keep)[:2], "expected"),
    (check.fgsm, lambda loss, x, y, e: _fgsm_backward(loss, x, y, e, clip=False), "clip"),
    (check.fgsm, lambda loss, x, y, e: _fgsm_backward(loss, x, y, e, sign=-1.0), "step *up* the loss"),
    (check.fgsm, lambda loss, x, y, e: _fgsm_backward(loss, x, y, e, step="raw"), "sign of the gradient"),
    (check.fgsm, lambda loss, x, y, e: _fgsm_backward(loss, x, y, e, step="l2"), "L2 attack"),
    (check.fgsm, lambda loss, x, y, e: _fgsm_backward(loss, x, y, e, in_place=True), "in place"),
    (check.fgsm, lambda loss, x, y, e: _fgsm_backward(loss, x, y, e).numpy(), "torch tensor"),
    (check.contributions, lambda w, z: _contributions_einsum(w, z, unit=1.0), "nats"),
    (check.contributions, lambda w, z: _contributions_einsum(w, z, column=1), "difference of the two columns"),
    (check.contributions, lambda w, z: -_contributions_einsum(w, z), "the sign"),
    (check.contributions, lambda w, z: _contributions_einsum(w, z, total=True), "do not sum"),
    (check.dib_step, lambda pxy, labels, beta: _dib_loop(pxy, labels, beta, prior=False), "without log2 p(t)"),
    (check.dib_step, lambda pxy, labels, beta: _dib_loop(pxy, labels, beta, log=np.log), "take log2 p(t)"),
    (check.dib_step, lambda pxy, labels, beta: _dib_loop(pxy, labels, beta, weighted=False), "weigh each input"),
    (check.dib_step, lambda pxy, labels, beta: _dib_loop(pxy, labels, beta, best=np.argmin), "argmax, not argmin"),
    (check.dib_step, lambda pxy, labels, beta: np.eye(len(labels))[_dib_loop(pxy, labels, beta)], "expected"),
]


@pytest.mark.parametrize("exercise, answer", SECTION_6_RIGHT)
def test_section_6_correct_answers_pass_through(exercise, answer, capsys, monkeypatch):
    monkeypatch.setenv("IBCOURSE_STRICT", "1")
    assert exercise(answer) is answer
    assert "correct" in capsys.readouterr().out


@pytest.mark.parametrize("exercise, wrong, hint", SECTION_6_WRONG)
def test_section_6_wrong_answers_get_their_hint(exercise, wrong, hint, capsys, monkeypatch):
    monkeypatch.delenv("IBCOURSE_STRICT", raising=False)
    assert exercise(wrong) is exercise.reference
    out = capsys.readouterr().out
    assert "✗" in out and " ".join(hint.split()) in " ".join(out.split())
    monkeypatch.setenv("IBCOURSE_STRICT", "1")
    with pytest.raises(ExerciseError):
        exercise(wrong)


def test_each_rank_mistake_differs_from_the_reference_on_some_case():
    """The ranking cases are built so that reversed, variance and spread orders all differ from the rate order."""
    from ibcourse.exercises import _RANK_CASES

    for mistake in check.rank_by_rate.mistakes[:3]:
        assert any(not torch.equal(torch.as_tensor(mistake.answer(m, s)), check.rank_by_rate.reference(m, s))
                   for m, s in _RANK_CASES)


def test_the_dib_mistakes_are_recognised_by_the_package_update():
    """The mistakes' generator, unchanged, gives the package's update: the reference and the hints agree."""
    from ibcourse.exercises import _DIB_CASES, _dib_step_with

    for case in _DIB_CASES:
        assert np.array_equal(_dib_step_with(*case), ib.dib_update(*case))
