# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 1 · The Information Bottleneck principle, computed exactly
#
# **Learning objectives** (about 100 minutes)
#
# | you will be able to | time |
# |---|---|
# | compute entropy, mutual information and KL divergence of discrete tables, in bits | 15 min |
# | state the IB Lagrangian and derive its self-consistent equations | 15 min |
# | implement one IB update and trace the IB curve by annealing | 20 min |
# | compute the critical beta where the trivial solution becomes unstable | 10 min |
# | read cluster splits at critical values of beta from encoder heat maps | 10 min |
# | see the IB as rate-distortion with a KL distortion, and check it numerically | 10 min |
# | compare the discrete solver with the closed-form Gaussian IB, and the IB with the deterministic IB | 20 min |
#
# **Prerequisites**: discrete probability (joint, marginal, conditional), numpy arrays,
# Lagrange multipliers at the level of "minimise f subject to g".
#
# **Units**: every information in this notebook is in **bits** (logarithms base 2).
#
# **Convention for beta**: this notebook *minimises* $I(X;T) - \beta\, I(T;Y)$, the form of
# Tishby, Pereira & Bialek; only $\beta > 1$ is interesting (think question 1). The Deep
# VIB of notebook 4 minimises cross-entropy $+\,\beta_{\mathrm{VIB}}\,\mathrm{KL}$, which
# weights compression instead: $\beta_{\mathrm{VIB}} = 1/\beta$.
#
# **Checked claims**: a line starting with ✓ prints a sentence of the text beside the
# value this run measured; if the run ever contradicted the text, it would say so.
#
# Everything printed or plotted below is computed in this run, from the distributions
# defined here. The machinery lives in the course's package `ibcourse`; the notebook
# calls it and asks you to write the key pieces yourself.

# %%
import matplotlib.pyplot as plt
import numpy as np

import ibcourse
from ibcourse import claims, ib, info, joints, plots
from ibcourse.exercises import check
from ibcourse.widgets import beta_explorer

rng = ibcourse.seed_everything(0)

# %% [markdown]
# ## Parameters
#
# The defaults run in under a minute on a 2-core laptop. `QUICK` (set by
# `IBCOURSE_QUICK=1`) only shrinks the grids, for automated runs.

# %%
QUICK = ibcourse.quick_mode()
N_BETAS = 30 if QUICK else 80  # points along each IB curve
N_GRID = 30 if QUICK else 50  # grid points per axis of the discretised Gaussian

# %% [markdown]
# ## 1. Entropy and mutual information
#
# For a distribution $p$ on a finite set, the **entropy** is
# $H(X) = -\sum_{x:\,p(x)>0} p(x)\log_2 p(x)$: the average number of bits an optimal
# code spends per symbol. Cells with $p(x)=0$ are skipped, because $p\log p \to 0$ as
# $p\to 0$: no small epsilon is needed, and adding one biases every result.
#
# The **mutual information** of a joint table $p(x,y)$ is
# $$I(X;Y) = \sum_{x,y:\,p(x,y)>0} p(x,y)\log_2\frac{p(x,y)}{p(x)\,p(y)} = H(X)+H(Y)-H(X,Y),$$
# the bits that knowing one variable saves on coding the other. It is never negative,
# and it is zero exactly when $X$ and $Y$ are independent.
#
# ### Exercise 1.1 — entropy
# Write `entropy(p)` for a 1-D numpy array of probabilities.

# %% tags=["exercise"]
def entropy(p):
    """Entropy in bits of a 1-D probability array p (zeros allowed)."""
    raise NotImplementedError("Exercise 1.1: compute -sum p log2 p over the cells with p > 0")


# %% tags=["solution"] jupyter={"source_hidden": true}
def entropy(p):
    """Entropy in bits of a 1-D probability array p (zeros allowed)."""
    nz = p[p > 0]
    return -np.sum(nz * np.log2(nz))


# %%
entropy = check.entropy(entropy)

# %% [markdown]
# ### Exercise 1.2 — mutual information
# Write `mutual_information(pxy)` for a 2-D joint table (rows are $x$, columns $y$).

# %% tags=["exercise"]
def mutual_information(pxy):
    """I(X;Y) in bits of a joint table pxy[x, y]."""
    raise NotImplementedError("Exercise 1.2: sum p(x,y) log2 p(x,y)/(p(x)p(y)) over the nonzero cells")


# %% tags=["solution"] jupyter={"source_hidden": true}
def mutual_information(pxy):
    """I(X;Y) in bits of a joint table pxy[x, y]."""
    px, py = pxy.sum(axis=1), pxy.sum(axis=0)
    rows, cols = np.nonzero(pxy)
    p = pxy[rows, cols]
    return np.sum(p * np.log2(p / (px[rows] * py[cols])))


# %%
mutual_information = check.mutual_information(mutual_information)

# %% [markdown]
# From here on `entropy` and `mutual_information` are the functions in use: yours if
# their checks passed, otherwise the reference the check fell back on. Try them on a
# small binary channel: $X$ a fair bit, $Y$ a copy of it flipped with probability 0.1.
# Its correlation is $\rho = 0.8$, and $I(X;Y) = 1 - H_b(0.1)$, where $H_b$ is the
# binary entropy.

# %%
pxy_2x2 = np.array([[0.45, 0.05], [0.05, 0.45]])
print(f"H(X)   = {entropy(pxy_2x2.sum(axis=1)):.6f} bits   (package: {info.entropy(pxy_2x2.sum(axis=1)):.6f})")
print(f"I(X;Y) = {mutual_information(pxy_2x2):.6f} bits   (package: {info.mutual_information(pxy_2x2):.6f})")
print(f"1 - H_b(0.1) = {1 - info.entropy([0.9, 0.1]):.6f} bits")
claims.at_most(abs(mutual_information(pxy_2x2) - (1 - info.entropy([0.9, 0.1]))), 1e-12,
               "I(X;Y) = 1 - H_b(0.1)", unit="bits")

# %% [markdown]
# **The data processing inequality.** If $T$ is computed from $X$ alone (a channel
# $p(t|x)$), then $Y \to X \to T$ and $I(T;Y) \le I(X;Y)$: no processing of $X$ creates
# information about $Y$. Check it on random channels: the largest ratio below
# stays at or under 1.

# %%
p_x_given_y = np.random.default_rng(1).dirichlet(np.ones(6), size=3)  # 3 labels, 6 inputs
pxy_small = (p_x_given_y * np.array([0.5, 0.3, 0.2])[:, None]).T  # p(x, y), shape (6, 3)
ratios = []
for _ in range(200):
    channel = rng.dirichlet(np.ones(4), size=6)  # p(t|x), shape (6, 4)
    pty = channel.T @ pxy_small  # p(t, y)
    ratios.append(info.mutual_information(pty) / info.mutual_information(pxy_small))
print(f"largest I(T;Y) / I(X;Y) over 200 random channels: {max(ratios):.4f}")
claims.at_most(max(ratios), 1.0, "no channel p(t|x) creates information about Y: I(T;Y) / I(X;Y) <= 1")

# %% [markdown]
# **Think 1.** Why is the IB only interesting for $\beta > 1$? Use the data processing
# inequality for the chain $Y \to X \to T$ and compare $I(T;Y)$ with $I(X;T)$.

# %% [markdown] tags=["answer"] jupyter={"source_hidden": true}
# *Answer.* $T$ depends on $Y$ only through $X$, so by the data processing inequality for
# $Y \to X \to T$, $I(T;Y) \le I(T;X)$: $T$ cannot know more about $Y$ than about $X$. So
# $\mathcal L = I(X;T) - \beta I(T;Y) \ge (1-\beta)\, I(X;T) \ge 0$ when $\beta \le 1$:
# no encoder beats $\mathcal L = 0$, which the trivial encoder ($T$ independent of $X$)
# attains. Compression always wins at $\beta \le 1$. Section 3 asks where above 1 it stops
# winning.

# %% [markdown]
# ## 2. The IB Lagrangian
#
# Given a joint $p(x,y)$, the Information Bottleneck (Tishby, Pereira & Bialek, 1999)
# looks for a compressed representation $T$ of $X$, through a stochastic encoder
# $p(t|x)$, that keeps what $X$ says about $Y$:
# $$\min_{p(t|x)}\ \mathcal{L} = I(X;T) - \beta\, I(T;Y), \qquad \beta \ge 0,$$
# with $Y \to X \to T$ (the encoder sees only $X$). Both informations are in the same
# unit, so $\beta$ is dimensionless: it prices one bit of prediction in bits of
# compression. At $\beta \to 0$ compression wins and $T$ is independent of $X$; as
# $\beta \to \infty$ prediction wins and $I(T;Y) \to I(X;Y)$, the ceiling set by the
# data processing inequality.
#
# ## 3. The self-consistent equations
#
# Add Lagrange multipliers $\lambda(x)$ for the normalisation of each row $p(\cdot|x)$
# and set the derivative of $\mathcal{L}$ with respect to $p(t|x)$ to zero. Two facts
# make it short: $\partial I(X;T)/\partial p(t|x) = p(x)\log\frac{p(t|x)}{p(t)}$, and,
# since $p(y|t) = \sum_x p(y|x)p(t|x)p(x)/p(t)$, the derivative of $I(T;Y)$ is
# $p(x)\sum_y p(y|x)\log\frac{p(y|t)}{p(y)}$. Terms that do not depend on $t$ fold into
# the normaliser, and $\sum_y p(y|x)\log p(y|t)$ is, up to such a term,
# $-D_{\mathrm{KL}}[p(y|x)\,\|\,p(y|t)]$. The stationary points satisfy
# $$p(t|x) = \frac{p(t)}{Z(x,\beta)}\exp\!\big(-\beta\,D_{\mathrm{KL}}[p(y|x)\,\|\,p(y|t)]\big),\quad
# p(t) = \sum_x p(x)p(t|x),\quad p(y|t) = \frac{1}{p(t)}\sum_x p(y|x)p(t|x)p(x),$$
# with the KL in nats inside $\exp$ (equivalently $2^{-\beta D_{\mathrm{KL}}}$ with the
# KL in bits). The encoder assigns $x$ to clusters $t$ whose prediction of $Y$ is close
# to that of $x$, weighted by how popular $t$ already is. Iterating the three equations
# never increases $\mathcal{L}$ and converges to a fixed point: a stationary point, in
# practice a local optimum when it starts from a generic encoder.
#
# ### Exercise 1.3 — one IB update
# Write `ib_update(pxy, encoder, beta)`: from the current encoder (shape $|X|\times|T|$)
# compute $p(t)$, $p(y|t)$ and return the new encoder. Hint: `ibcourse.info.kl_matrix`
# gives all the KL divergences between rows of two tables, in bits.

# %% tags=["exercise"]
def ib_update(pxy, encoder, beta):
    """One update of the IB equations; returns the new p(t|x), shape (|X|, |T|)."""
    raise NotImplementedError("Exercise 1.3: p(t), p(y|t), then p(t|x) ~ p(t) 2**(-beta KL_bits)")


# %% tags=["solution"] jupyter={"source_hidden": true}
def ib_update(pxy, encoder, beta):
    """One update of the IB equations; returns the new p(t|x), shape (|X|, |T|)."""
    px = pxy.sum(axis=1)
    p_y_given_x = pxy / px[:, None]
    pt = px @ encoder
    p_y_given_t = (encoder * px[:, None]).T @ p_y_given_x / pt[:, None]
    kl_bits = info.kl_matrix(p_y_given_x, p_y_given_t)
    logits = np.log2(pt)[None, :] - beta * kl_bits
    weights = 2.0 ** (logits - logits.max(axis=1, keepdims=True))  # shift: no overflow
    return weights / weights.sum(axis=1, keepdims=True)


# %%
ib_update = check.ib_update(ib_update)

# %% [markdown]
# Iterate `ib_update` (yours if its check passed) from a random encoder on the binary
# channel, and compare with the package's `iterative_ib`, which does the same loop in
# the log domain and stops when no entry of $p(t|x)$ changes by more than $10^{-10}$.

# %%
encoder = rng.dirichlet(np.ones(2), size=2)
for _ in range(300):
    encoder = ib_update(pxy_2x2, encoder, 4.0)
px_2x2 = pxy_2x2.sum(axis=1)
loop_xt, loop_ty = info.mutual_information(encoder * px_2x2[:, None]), info.mutual_information(encoder.T @ pxy_2x2)
package = ib.iterative_ib(pxy_2x2, 4.0, seed=0)
print("encoder after 300 updates:\n", np.round(encoder, 4))
print(f"300 updates: I(X;T) = {loop_xt:.6f}, I(T;Y) = {loop_ty:.6f} bits")
print(f"package:     I(X;T) = {package.i_xt:.6f}, I(T;Y) = {package.i_ty:.6f} bits "
      f"({package.n_iter} updates, converged = {package.converged})")
claims.at_most(abs(loop_xt - package.i_xt), 1e-6, "the loop and the package reach the same solution", unit="bits")

# %% [markdown]
# ### A first phase transition — and why the 2×2 example is too small
#
# The trivial solution ($T$ independent of $X$) stays optimal beyond $\beta = 1$, up to a
# **critical** $\beta$. For this binary channel it is $\beta_c = 1/\rho^2 = 1.5625$. Measure
# it: below, the converged $I(X;T)$ is zero up to rounding (below $10^{-12}$ bits in size;
# rounding can make it slightly negative); above, it moves away from zero. Note how many
# more updates are needed close to $\beta_c$.

# %%
rho = 0.8
bsc_betas = [1.0, 1.5, 1.55, 1.58, 1.65, 2.0, 4.0]
bsc = [ib.iterative_ib(pxy_2x2, beta, seed=0) for beta in bsc_betas]
for beta, r in zip(bsc_betas, bsc):
    print(f"beta = {beta:5.2f}  I(X;T) = {r.i_xt:9.2e}  I(T;Y) = {r.i_ty:9.2e}  "
          f"({r.n_iter} updates{'' if r.converged else ', NOT converged'})")
print(f"theory: beta_c = 1/rho^2 = {1 / rho**2:.4f}")
below = [r.i_xt for b, r in zip(bsc_betas, bsc) if b < 1 / rho**2]
above = [r.i_xt for b, r in zip(bsc_betas, bsc) if b > 1 / rho**2]
claims.at_most(max(below), 1e-12, "below beta_c the converged I(X;T) is zero up to rounding", unit="bits")
claims.at_least(min(above), 1e-3, "above beta_c it moves away from zero", unit="bits")
claims.at_least(bsc[2].n_iter / bsc[0].n_iter, 5.0, "close to beta_c many more updates are needed "
                "(updates at 1.55 / at 1.0)", unit="x")

# %% [markdown]
# ### Where the transition comes from: the critical beta
# Perturb the trivial encoder slightly, $p(t|x) = p(t)\,(1 + \epsilon\, f_t(x))$, and
# expand $\mathcal L$ to second order in $\epsilon$. The compression term grows like
# $\epsilon^2\,\mathrm{Var}[f(X)]$, the relevance term like
# $\epsilon^2\,\mathrm{Var}\big[\mathbb E[f(X)\mid Y]\big]$. The best direction $f$ maximises
# their ratio, $s_2^2$, where $s_2$, the second largest singular value of the matrix
# $Q = p(x,y)/\sqrt{p(x)p(y)}$, is the **maximal correlation** of $X$ and $Y$ (the largest
# singular value, 1, belongs to the constant functions). So the trivial encoder is stable
# against such small perturbations (the update returns to it) exactly for
# $$\beta < \beta_0 = \frac{1}{s_2^2}$$
# (Kim et al. 2017; Wu et al. 2019). For the binary channel $s_2 = \rho$, so
# $\beta_0 = 1/\rho^2$. The expansion keeps every $p(t)$ away from 0; a new cluster of
# vanishing mass escapes it, and the trivial encoder stops being *optimal* at
# $1/\eta \le \beta_0$, where $\eta \ge s_2^2$ is the strong data-processing constant of the
# channel. For the binary channel the two agree; section 4 meets a channel where they do not.
#
# ### Exercise 1.4 — the critical beta
# Write `critical_beta(pxy)` returning $1/s_2^2$ for a joint table with no zero rows or columns.

# %% tags=["exercise"]
def critical_beta(pxy):
    """1 / s_2^2, s_2 the second singular value of p(x,y) / sqrt(p(x) p(y))."""
    raise NotImplementedError("Exercise 1.4: build Q, take its singular values, return 1 / s_2**2")


# %% tags=["solution"] jupyter={"source_hidden": true}
def critical_beta(pxy):
    """1 / s_2^2, s_2 the second singular value of p(x,y) / sqrt(p(x) p(y))."""
    px, py = pxy.sum(axis=1), pxy.sum(axis=0)
    singular = np.linalg.svd(pxy / np.sqrt(np.outer(px, py)), compute_uv=False)  # descending
    return 1.0 / singular[1] ** 2


# %%
critical_beta = check.critical_beta(critical_beta)

# %%
print(f"binary channel: critical_beta = {critical_beta(pxy_2x2):.6f}, 1/rho^2 = {1 / rho**2:.6f}")
claims.at_most(abs(critical_beta(pxy_2x2) - 1 / rho**2), 1e-9, "for the binary channel beta_0 = 1/rho^2")

# %% [markdown]
# **Think 2.** Why did `iterative_ib` need about two thousand updates at $\beta = 1.55$ and
# only a few dozen at $\beta = 1$? Think of what one update does to a small perturbation of the
# trivial encoder.

# %% [markdown] tags=["answer"] jupyter={"source_hidden": true}
# *Answer.* Near the trivial fixed point the update acts on a perturbation in the best
# direction $f$ like multiplication by $\beta s_2^2$ (the same ratio as in the expansion
# above). Below $\beta_0$ this factor is less than 1, so perturbations die out
# geometrically; at $\beta = 1$ it is $0.64$, at $\beta = 1.55$ it is $0.992$, and a
# perturbation needs about 290 updates to shrink by each factor of 10. As $\beta \to
# \beta_0$ the factor tends to 1 and convergence takes ever longer: **critical slowing
# down**, as at any second-order phase transition. A solver that stops when one update
# changes little stops far from the fixed point there; the package's curve solver
# estimates what remains from the geometric decay instead, and accelerates the updates.

# %% [markdown]
# What stopping early does, measured: at $\beta = 1.55$, below $\beta_c$, a solver that
# stops after a fixed 100 updates reports a non-trivial solution that is not there.

# %%
early = ib.iterative_ib(pxy_2x2, 1.55, seed=0, max_iter=100)
print(f"beta = 1.55 after 100 updates: I(X;T) = {early.i_xt:.2e} bits (converged: {early.converged}); "
      f"converged: {bsc[2].i_xt:.1e}")
claims.at_least(early.i_xt, 1e-3, "stopped after 100 updates, the solver reports information that is not there",
                unit="bits")

# %% [markdown]
# With $|X| = 2$ there is nothing to *compress into*: once both inputs are separated
# ($|T| = |X| = 2$) the representation is $X$ itself. The interesting structure of the
# IB — which inputs are grouped, in what order groups split — needs many inputs and
# few labels.
#
# ## 4. The IB curve of a many-to-few channel
#
# Our joint: $X$ uniform on 32 inputs in four groups of 12, 10, 6 and 4; each group
# points to its own label $y$, with a reliability that varies within the group: $p(y|x)$
# gives the input's own label a probability between 0.475 and 0.96 (uniform would be 0.25)
# — `joints.noisy_labels`. Which inputs are worth telling
# apart depends on how much a bit of $I(T;Y)$ is worth: that is $\beta$.

# %%
pxy = joints.noisy_labels(group_sizes=(12, 10, 6, 4), reliability=(0.3, 0.95))
groups = np.repeat(np.arange(4), (12, 10, 6, 4))  # the label group of each input
h_x, i_xy = info.entropy(pxy.sum(axis=1)), info.mutual_information(pxy)
print(f"|X| = {pxy.shape[0]}, |Y| = {pxy.shape[1]},  H(X) = {h_x:.4f} bits,  I(X;Y) = {i_xy:.4f} bits")
own = (pxy / pxy.sum(axis=1, keepdims=True)).max(axis=1)
claims.between(own.min(), 0.47, 0.48, "the least reliable input gives its own label 0.475")
claims.between(own.max(), 0.955, 0.965, "the most reliable one gives it 0.96")

fig, ax = plt.subplots(figsize=(8, 2.8))
plots.channel_map(ax, pxy, title="the channel p(y|x): four groups of inputs, each pointing to its label")
plt.show()

# %% [markdown]
# ### Exercise 1.5 — the annealing loop
# A first attempt at the IB curve solves each $\beta$ on its own, from a fresh random
# encoder. Solutions of the IB are only local optima, so neighbouring betas can land in
# different ones. **Annealing** avoids that: start at the largest $\beta$ from $T = X$ (the
# identity encoder, the optimum as $\beta \to \infty$), and start every smaller $\beta$ from
# the solution at its neighbour. Write `anneal(pxy, betas)` for increasing `betas`: at each
# $\beta$, from the largest down, apply your `ib_update` a few hundred times from the
# previous encoder; return the arrays `(i_xt, i_ty)` in bits, in the order of `betas`.

# %% tags=["exercise"]
def anneal(pxy, betas, n_updates=300):
    """(I(X;T), I(T;Y)) in bits at each of the increasing betas, annealed from the largest beta down."""
    raise NotImplementedError("Exercise 1.5: identity encoder; for beta in reversed(betas): update, record")


# %% tags=["solution"] jupyter={"source_hidden": true}
def anneal(pxy, betas, n_updates=300):
    """(I(X;T), I(T;Y)) in bits at each of the increasing betas, annealed from the largest beta down."""
    px = pxy.sum(axis=1)
    encoder = np.eye(len(px))  # T = X: the optimum as beta grows without bound
    i_xt, i_ty = np.zeros(len(betas)), np.zeros(len(betas))
    for k in range(len(betas) - 1, -1, -1):
        for _ in range(n_updates):
            encoder = ib_update(pxy, encoder, betas[k])
        i_xt[k] = mutual_information(encoder * px[:, None])  # p(x, t)
        i_ty[k] = mutual_information(encoder.T @ pxy)  # p(t, y)
    return i_xt, i_ty


# %%
anneal = check.anneal(anneal)

# %% [markdown]
# **Annealing against fresh starts.** Trace the curve of the 32-input channel three ways:
# the annealing loop in use (yours if its check passed), fresh random starts with 300
# updates per $\beta$, and the package's `ib_curve`, which anneals too but accelerates the
# updates, stops on a convergence test and merges clusters that coincide. All three are
# local searches. The Lagrangian $I(X;T)-\beta I(T;Y)$ is what they minimise, so the lower
# one is the better solution at that $\beta$.

# %%
betas = np.geomspace(0.5, 100, N_BETAS)
curve = ib.ib_curve(pxy, betas)
loop_xt, loop_ty = anneal(pxy, betas)
fresh = [ib.iterative_ib(pxy, b, seed=k, max_iter=300) for k, b in enumerate(betas)]
fresh_xt, fresh_ty = np.array([r.i_xt for r in fresh]), np.array([r.i_ty for r in fresh])
lagrangian = curve.i_xt - betas * curve.i_ty
fresh_excess = (fresh_xt - betas * fresh_ty) - lagrangian
loop_excess = (loop_xt - betas * loop_ty) - lagrangian

fig, (left, right) = plt.subplots(1, 2, figsize=(12, 4.2))
plots.ib_plane(left, curve, h_x=h_x, i_xy=i_xy, label="ib_curve (package)")
left.plot(loop_xt, loop_ty, "+", color="tab:green", label="annealing loop (exercise 1.5)")
left.plot(fresh_xt, fresh_ty, "x", color="tab:red", label="fresh random start per beta")
left.set_title("the IB curve of the 32-input channel")
left.legend()
right.semilogx(betas, fresh_excess, ".-", color="tab:red", label="fresh starts")
right.semilogx(betas, loop_excess, "+-", color="tab:green", label="annealing loop")
right.axhline(0, color="grey", lw=0.8)
right.set_xlabel("beta")
right.set_ylabel("Lagrangian minus ib_curve's [bits]")
right.set_title("how much worse than ib_curve (0: as good)")
right.legend()
plt.tight_layout()
plt.show()

increasing = lambda values: bool(np.all(np.diff(values) >= -1e-9))  # noqa: E731
print(f"ib_curve monotone in beta:     I(X;T) {increasing(curve.i_xt)}, I(T;Y) {increasing(curve.i_ty)}")
print(f"fresh starts monotone in beta: I(X;T) {increasing(fresh_xt)}, I(T;Y) {increasing(fresh_ty)}")
print(f"fresh starts worse than ib_curve by > 1e-3 bits at {np.sum(fresh_excess > 1e-3)} of {len(betas)} betas "
      f"(at most {fresh_excess.max():.3f})")
print(f"annealing loop: largest excess {loop_excess.max():.1e} bits, largest shortfall {-loop_excess.min():.1e} bits")
print(f"top of the curve: I(T;Y) = {curve.i_ty[-1]:.5f} of I(X;Y) = {i_xy:.5f} bits")
monotone = all(increasing(v) for v in (curve.i_xt, curve.i_ty, loop_xt, loop_ty))
claims.expect(monotone, "both annealed traces lie on one monotone curve",
              f"ib_curve and the loop monotone in I(X;T) and I(T;Y): {monotone}")
claims.at_least(fresh_excess.max(), 0.1, "fresh starts land at the wrong place for their beta", unit="bits worse")
claims.at_most(i_xy - curve.i_ty[-1], 0.01, "at large beta the curve approaches I(X;Y)", unit="bits short")
claims.at_most(np.abs(loop_excess).max(), 1e-4, "the plain loop's Lagrangian is within 1e-4 bits of ib_curve's "
               "at every beta", unit="bits")

# %% [markdown]
# The fresh starts land on or near the curve but at the wrong place for their $\beta$ (a
# Lagrangian worse by up to the printed amount), and jump between branches from one $\beta$
# to the next; both annealed traces lie on one monotone curve, which approaches $I(X;Y)$ at
# large $\beta$. (Where a branch it anneals along ends up worse than the trivial encoder,
# `ib_curve` takes the trivial encoder instead, so its Lagrangian is never above 0.) The
# plain loop's Lagrangian is within $10^{-4}$ bits of `ib_curve`'s at every $\beta$: for the
# curve, annealing is what matters. The acceleration and the
# convergence test matter for the time, and for the details near transitions, where plain
# updates crawl (critical slowing down, think question 2): where exactly the curve leaves
# 0, and how many clusters there are.
#
# ### The first transition of the 32-input channel
# Where does this curve leave $I(X;T) = 0$? Compare with $\beta_0 = 1/s_2^2$ on a fine grid
# of betas just below it, solved with a tight tolerance ($10^{-9}$ bits).

# %%
beta_0 = critical_beta(pxy)
fine = ib.ib_curve(pxy, beta_0 * np.linspace(0.97, 1.0, 61), tol=1e-9)
first = int(np.argmax(fine.i_xt > 1e-12))
leave = fine.betas[first]
encoder_leave = fine.encoders[first][:, : fine.n_clusters[first]]
small = int(np.argmin(pxy.sum(axis=1) @ encoder_leave))
near = ib.ib_curve(pxy, [0.99 * beta_0, 1.2 * beta_0])
print(f"beta_0 = 1/s_2^2 = {beta_0:.4f}; ib_curve leaves I(X;T) = 0 at beta = {leave:.4f}"
      f" = {leave / beta_0:.3f} beta_0")
print(f"there: I(X;T) = {fine.i_xt[first]:.2e} bits; the new cluster has mass "
      f"{pxy.sum(axis=1) @ encoder_leave[:, small]:.1e}")
print(f"and draws most on inputs {np.sort(np.argsort(encoder_leave[:, small])[-3:])}")
print(f"I(X;T) / I(T;Y) there: {fine.i_xt[first] / fine.i_ty[first]:.4f} (an estimate of 1/eta)")
print(f"at 0.99 beta_0: Lagrangian {near.i_xt[0] - near.betas[0] * near.i_ty[0]:.2e} bits (trivial: 0)")
claims.between(leave / beta_0, 0.97, 0.995, "this channel leaves the trivial solution before beta_0",
               unit="x beta_0")
claims.at_most(fine.i_xt[first], 2e-3, "it leaves continuously: I(X;T) starts near 0", unit="bits")
claims.at_most(pxy.sum(axis=1) @ encoder_leave[:, small], 1e-3, "through a new cluster of small mass")
claims.at_most(near.i_xt[0] - near.betas[0] * near.i_ty[0], -1e-5, "below beta_0 a non-trivial encoder "
               "beats the trivial one (by > 10x the tolerance)", unit="bits")

# %% [markdown]
# For the binary channel the solver leaves 0 between $\beta = 1.55$ and $1.58$, around
# $\beta_0 = 1.5625$. This channel leaves it a little *before* $\beta_0$: a new cluster of
# small mass, drawing on the most reliable inputs of the smallest group, splits off
# while the trivial encoder is still stable against the perturbations of the expansion
# above (which keep every $p(t)$ away from 0). $I(X;T)$ still starts from 0, and the ratio
# $I(X;T)/I(T;Y)$ at the departure estimates $1/\eta$. It is real, not a solver artefact:
# below $\beta_0$ the printed Lagrangian of an explicit encoder is below the trivial
# encoder's 0 by more than the solver's tolerance. Wu et al. (2019) call such a set of
# inputs, which predicts its label unusually well, a conspicuous subset.
#
# ## 5. Clusters split at critical betas
#
# Along the curve the number of distinct clusters grows in steps: each step is a
# bifurcation, where a cluster becomes unstable and splits. `n_clusters` counts clusters
# that differ by more than the solver resolves: clusters whose predictions $p(y|t)$ agree
# within $10^{-4}$, or whose merger would cost less than its tolerance ($10^{-6}$ bits),
# count as one. The heat maps of the encoder $p(t|x)$ below (inputs down, clusters across)
# are taken at four betas between splits.

# %%
fig, ax = plt.subplots(figsize=(7, 3))
ax.step(betas, curve.n_clusters, where="post")
ax.set_xscale("log")
ax.set_xlabel("beta")
ax.set_ylabel("distinct clusters")
ax.set_title("clusters of the IB solution along the curve")
plt.show()

splits = np.flatnonzero(np.diff(curve.n_clusters) > 0) + 1
print("first splits (beta: clusters):", ", ".join(f"{betas[i]:.3g}: {curve.n_clusters[i]}" for i in splits[:6]))
step = betas[1] / betas[0]
past = int(np.sum((betas > leave) & (betas <= betas[splits[0]])))
print(f"grid steps of x{step:.3f}; the first split is grid point number {past} past the departure at {leave:.4f}")
claims.at_most(past, 2, "the coarse grid resolves the first split within two points of the departure",
               unit="grid points")
shown = [int(np.argmin(np.abs(betas - b))) for b in (2.5, 4.0, 8.0, 25.0)]
between = not set(shown) & set(splits)  # a split is a beta whose count differs from the one before
fig, axes = plt.subplots(1, len(shown), figsize=(3.6 * len(shown), 3.5), squeeze=False)
for axis, i in zip(axes[0], shown):
    plots.encoder_map(axis, curve.encoders[i], title=f"beta = {betas[i]:.3g}", colorbar=axis is axes[0, -1])
plt.tight_layout()
plt.show()
claims.expect(between, "the four betas lie between splits", f"none of {[f'{betas[i]:.3g}' for i in shown]} is "
              "a split")

# %% [markdown]
# **Predict, then look.** Before moving the slider: as $\beta$ passes the first splits,
# how will the 32 inputs be divided — by label group, by reliability, or some other way?
# Then explore; the slider steps through the solutions already computed above. (Where
# widgets do not render, the static figures above tell the same story.)

# %%
beta_explorer(curve, h_x=h_x, i_xy=i_xy)

# %%
i_4, i_25 = (int(np.argmin(np.abs(betas - b))) for b in (4.0, 25.0))
encoder_4 = curve.encoders[i_4]
at_4, at_30 = encoder_4.argmax(axis=1), curve.encoders[i_25].argmax(axis=1)
for i, at in ((i_4, at_4), (i_25, at_30)):
    print(f"beta = {betas[i]:.3g}, most likely cluster of the inputs of each group:")
    print("   ", " | ".join(" ".join(str(t) for t in at[groups == g]) for g in range(4)))
by_group = all(len(set(at_4[groups == g])) == 1 for g in range(4)) and len(set(at_4)) == 4
sure = encoder_4.max(axis=1)  # inputs of a group are ordered from least to most reliable
least_sure = all(sure[groups == g][0] < sure[groups == g][-1] for g in range(4))
pure = all(len(set(groups[at == t])) == 1 for at in curve.encoders[i_4: i_25 + 1].argmax(axis=2) for t in set(at))
runs = bool(np.all(np.diff(at_30) >= 0))  # clusters are runs of neighbouring reliabilities
claims.expect(by_group, "near beta = 4 the clusters are the four label groups", f"one per group: {by_group}")
claims.expect(least_sure, "the encoder is least certain about the unreliable inputs",
              f"in every group, max p(t|x) of the least reliable input is the smaller: {least_sure}")
claims.expect(pure and runs, "later splits divide a group by reliability; no cluster mixes groups",
              f"pure clusters for beta {betas[i_4]:.3g} to {betas[i_25]:.3g}: {pure}; runs of reliability: {runs}")

# %% [markdown]
# *Answer.* By label group first: after the first splits, at $\beta = 4$, there is one
# cluster per group, and the soft encoder is least certain about the unreliable inputs
# (the low-reliability end of each group). Later splits divide a group by **reliability**:
# reliable inputs predict their label sharply and are worth a cluster of their own first,
# while the noisy ones stay pooled. From $\beta = 4$ to $25$ no cluster mixes groups.

# %% [markdown]
# ## 6. The IB as rate-distortion
#
# Rate-distortion theory asks for the fewest bits $I(X;\hat X)$ that keep an average
# distortion $\mathbb{E}\,d(X,\hat X)$ under a budget; the Blahut–Arimoto algorithm
# solves it by alternating $p(\hat x|x) \propto q(\hat x)\,2^{-s\,d(x,\hat x)}$ and
# $q(\hat x)=\sum_x p(x)p(\hat x|x)$. The IB is rate-distortion with the distortion
# $$d(x,t) = D_{\mathrm{KL}}[p(y|x)\,\|\,p(y|t)], \qquad
# \mathbb{E}_{p(x,t)}\,d(X,T) = I(X;Y) - I(T;Y),$$
# the information about $Y$ *lost* by coding $x$ as $t$ (not "$-I(T;Y)$"). Unlike in
# classic rate-distortion, this distortion depends on the encoder through $p(y|t)$,
# which is why the IB needs the third self-consistent equation. Two checks, on the
# solution at one $\beta$ of the curve: the identity above, and that Blahut–Arimoto,
# given this distortion matrix and the slope $s=\beta$, finds the same rate and
# distortion as the IB, to within $10^{-3}$ bits (the solvers stop at finite tolerances).

# %%
k = int(np.argmin(np.abs(betas - 10.0)))
enc_k = curve.encoders[k][:, curve.encoders[k].sum(axis=0) > 0]
d = ib.ib_distortion(pxy, enc_k)
px = pxy.sum(axis=1)
expected_d = np.sum(px[:, None] * enc_k * d)
print(f"beta = {betas[k]:.3f}: E d = {expected_d:.6f} bits;  I(X;Y) - I(T;Y) = {i_xy - curve.i_ty[k]:.6f} bits")
rd = ib.blahut_arimoto(px, d, betas[k])
print(f"Blahut-Arimoto, that distortion held fixed, s = beta: rate {rd.rate:.5f}, "
      f"distortion {rd.distortion:.5f} bits")
print(f"the IB solution:                      I(X;T) = rate {curve.i_xt[k]:.5f}, distortion {expected_d:.5f} bits")
claims.at_most(abs(expected_d - (i_xy - curve.i_ty[k])), 1e-9, "E d = I(X;Y) - I(T;Y)", unit="bits")
claims.at_most(max(abs(rd.rate - curve.i_xt[k]), abs(rd.distortion - expected_d)), 1e-3,
               "Blahut-Arimoto finds the IB's rate and distortion", unit="bits")

# %% [markdown]
# And the textbook case: a fair bit under Hamming distortion has
# $R(D) = 1 - H_b(D)$ for $D \le 1/2$. Blahut–Arimoto traces it point by point
# (one point per slope $s$):

# %%
slopes = np.geomspace(0.05, 12, 25)
points = [ib.blahut_arimoto([0.5, 0.5], [[0, 1], [1, 0]], s) for s in slopes]
dist = np.array([p.distortion for p in points])
rate = np.array([p.rate for p in points])
d_grid = np.linspace(1e-3, 0.5, 200)
fig, ax = plt.subplots(figsize=(5, 3.5))
ax.plot(d_grid, [1 - info.entropy([q, 1 - q]) for q in d_grid], label="1 - H_b(D)")
ax.plot(dist, rate, "o", ms=4, label="Blahut-Arimoto")
ax.set_xlabel("expected Hamming distortion D (bit-error probability)")
ax.set_ylabel("rate R [bits]")
ax.set_title("R(D) of a fair bit")
ax.legend()
plt.show()
gap = max(abs(r - (1 - info.entropy([q, 1 - q]))) for q, r in zip(dist, rate))
print(f"largest gap to 1 - H_b(D): {gap:.2e} bits")
claims.at_most(gap, 1e-6, "Blahut-Arimoto traces R(D) = 1 - H_b(D)", unit="bits")

# %% [markdown]
# ## 7. The Gaussian IB: a closed form to test against
#
# For jointly Gaussian $X, Y$ the optimal $T$ is a noisy linear projection of $X$
# (Chechik, Globerson, Tishby & Weiss, 2005). Its directions are the left
# eigenvectors of $\Sigma_{x|y}\Sigma_x^{-1}$ with eigenvalues $\lambda_i$; direction
# $i$ switches on at $\beta_i = 1/(1-\lambda_i)$. For scalars with correlation $\rho$,
# $\lambda = 1-\rho^2$, so $\beta_c = 1/\rho^2$ again, and the curve is
# $I(T;Y) = -\tfrac12\log_2\!\big(1-\rho^2+\rho^2\,2^{-2I(X;T)}\big)$.
#
# Discretise the same Gaussian finely and let the discrete solver find its curve:
# the two lie on top of each other, within a few thousandths of a bit (the grid is
# finite), and the discrete solver leaves 0 at the first $\beta$ of the grid past
# $1/\rho^2$: for a Gaussian the transition is continuous.

# %%
pxy_gauss = joints.discretised_gaussian(rho, n=N_GRID)
g_betas = np.geomspace(1.0, 200, N_BETAS)
numeric = ib.ib_curve(pxy_gauss, g_betas)
analytic = ib.gaussian_ib_curve(1.0, rho, 1.0, g_betas)
fig, ax = plt.subplots(figsize=(6, 4.5))
ax.plot(analytic.i_xt, analytic.i_ty, "-", lw=3, alpha=0.5, label="Gaussian IB, closed form")
ax.plot(numeric.i_xt, numeric.i_ty, ".", label=f"discrete IB on a {N_GRID}x{N_GRID} grid")
ax.set_xlabel("I(X;T) [bits]")
ax.set_ylabel("I(T;Y) [bits]")
ax.set_title(f"Gaussian IB, rho = {rho}")
ax.legend()
plt.show()
on_curve = -0.5 * np.log2(1 - rho**2 + rho**2 * 2.0 ** (-2 * numeric.i_xt))
leaves = g_betas[np.argmax(numeric.i_xt > 1e-12)]
step = g_betas[1] / g_betas[0]
distance = np.abs(numeric.i_ty - on_curve).max()
print(f"critical beta: closed form {analytic.critical_betas[0]:.4f}; discrete solver first leaves 0")
print(f"at beta = {leaves:.4f} (grid spacing of betas: x{step:.3f})")
print(f"largest distance of the discrete points from the closed-form curve: {distance:.2e} bits")
print(f"I(X;Y): discretised {info.mutual_information(pxy_gauss):.4f}, continuous {-0.5 * np.log2(1 - rho**2):.4f} bits")
claims.at_most(distance, 5e-3, "the discrete and closed-form curves agree within a few thousandths of a bit",
               unit="bits")
claims.between(leaves, analytic.critical_betas[0], analytic.critical_betas[0] * step * 1.01,
               "the discrete solver leaves 0 at the first grid beta past 1/rho^2")

# %% [markdown]
# ## 8. IB and the deterministic IB
#
# Strouse & Schwab (2017) replace $I(X;T)$ by $H(T)$: the **deterministic IB** (DIB)
# minimises $H(T) - \beta I(T;Y)$. Since $H(T) = I(X;T) + H(T|X)$, it also penalises
# the encoder's own randomness, and its optimum is a hard clustering $t = f(x)$. (It is
# not a faster, sampling-free variant of the IB; it is a different objective.) Compare
# the two encoders at the same $\beta$ and the two curves in the $(H(T), I(T;Y))$ plane:

# %%
compare_betas = [3.0, 8.0, 30.0]
fig, axes = plt.subplots(2, len(compare_betas), figsize=(12, 6.5))
for j, beta in enumerate(compare_betas):
    soft = curve.encoders[int(np.argmin(np.abs(betas - beta)))]
    hard = ib.deterministic_ib(pxy, beta)
    plots.encoder_map(axes[0, j], soft, title=f"IB, beta ~ {beta:g}", colorbar=j == len(compare_betas) - 1)
    n_hard = int(np.count_nonzero(hard.encoder.sum(axis=0)))
    plots.encoder_map(axes[1, j], hard.encoder, title=f"DIB, beta = {beta:g}: {n_hard} clusters",
                      colorbar=j == len(compare_betas) - 1)
plt.tight_layout()
plt.show()

dib = [ib.deterministic_ib(pxy, b) for b in betas]
h_t_ib = [info.entropy(pxy.sum(axis=1) @ e) for e in curve.encoders]
fig, ax = plt.subplots(figsize=(6, 4.5))
ax.plot(h_t_ib, curve.i_ty, ".-", label="IB")
ax.plot([r.h_t for r in dib], [r.i_ty for r in dib], "s", ms=4, label="DIB")
ax.set_xlabel("H(T) [bits]")
ax.set_ylabel("I(T;Y) [bits]")
ax.set_title("IB and deterministic IB in the (H(T), I(T;Y)) plane")
ax.legend()
plt.show()
dib_h, dib_ty = np.array([r.h_t for r in dib]), np.array([r.i_ty for r in dib])
dib_wins = (dib_h - betas * dib_ty) - (np.array(h_t_ib) - betas * curve.i_ty)  # H(T) - beta I(T;Y)
ib_wins = (curve.i_xt - betas * curve.i_ty) - (dib_h - betas * dib_ty)  # I(X;T) - beta I(T;Y); DIB: I(X;T) = H(T)
print(f"DIB minus IB on the DIB objective H(T) - beta I(T;Y): at most {dib_wins.max():+.2e} bits "
      f"(smallest {dib_wins.min():+.3f})")
print(f"IB minus DIB on the IB objective I(X;T) - beta I(T;Y): at most {ib_wins.max():+.2e} bits "
      f"(smallest {ib_wins.min():+.3f})")
claims.at_most(dib_wins.max(), 1e-6, "each method wins its own objective: the DIB on H(T) - beta I(T;Y)",
               unit="bits")
claims.at_most(ib_wins.max(), 1e-5, "and the IB on I(X;T) - beta I(T;Y)", unit="bits")
order = np.argsort(h_t_ib)
above = dib_ty - np.interp(dib_h, np.array(h_t_ib)[order], curve.i_ty[order])
claims.at_least(above.min(), -1e-3, "at equal H(T) the DIB keeps at least as much about Y as the IB",
                unit="bits")

# %% [markdown]
# In the $(H(T), I(T;Y))$ plane the DIB points lie on or above the IB curve: for the same
# entropy of the representation, hard clusters keep at least as much about $Y$ (up to the
# printed margin). That is the DIB's own objective. On the IB's objective the soft IB
# encoder wins, as the printed differences show: two objectives, two optima.

# %% [markdown]
# ## Summary
#
# - Entropy, mutual information and KL are exact sums over nonzero cells, in bits;
#   no epsilons, no clipping.
# - The IB trades $I(X;T)$ against $\beta\, I(T;Y)$; its stationary points satisfy three
#   self-consistent equations, iterated in the log domain.
# - Only $\beta > 1$ is interesting: by data processing $I(T;Y) \le I(X;T)$.
# - The trivial encoder is stable against small perturbations up to $\beta_0 = 1/s_2^2$, $s_2$
#   the maximal correlation of $X$ and $Y$, and optimal up to $1/\eta \le \beta_0$; the binary
#   channel leaves it at $\beta_0$, our 32-input channel a little earlier, through a new
#   cluster of vanishing mass.
# - Near a transition the updates slow down (critical slowing down): a convergence test
#   must account for it, or the solver reports splits that are not there.
# - The curve must be traced by annealing (warm starts from neighbouring $\beta$);
#   independent random restarts give a scattered, non-monotone set of local optima.
# - As $\beta$ grows, clusters split at critical values: first by label group, then by
#   reliability. For the Gaussian IB new directions switch on at $1/(1-\lambda_i)$ (in the
#   scalar case only at $1/\rho^2$), and the discrete solver reproduces the closed form.
# - The IB is rate-distortion with $d(x,t)=D_{\mathrm{KL}}[p(y|x)\|p(y|t)]$, whose mean is
#   $I(X;Y)-I(T;Y)$.
# - The deterministic IB replaces $I(X;T)$ by $H(T)$ and yields hard clusters; each method
#   wins its own objective.
#
# ## Further reading
#
# - N. Tishby, F. C. Pereira, W. Bialek (1999). The information bottleneck method.
#   *Proc. 37th Allerton Conference on Communication, Control and Computing*, 368–377. arXiv:physics/0004057.
# - N. Slonim (2002). *The Information Bottleneck: Theory and Applications*. PhD thesis, Hebrew University.
# - G. Chechik, A. Globerson, N. Tishby, Y. Weiss (2005). Information bottleneck for Gaussian
#   variables. *Journal of Machine Learning Research* 6, 165–188.
# - D. J. Strouse, D. J. Schwab (2017). The deterministic information bottleneck.
#   *Neural Computation* 29(6), 1611–1630.
# - T. M. Cover, J. A. Thomas (2006). *Elements of Information Theory*, 2nd ed., Wiley: ch. 2
#   (entropy, mutual information), ch. 10 (rate-distortion, Blahut–Arimoto).
# - R. Blahut (1972). Computation of channel capacity and rate-distortion functions.
#   *IEEE Transactions on Information Theory* 18(4), 460–473.
# - T. Wu, I. Fischer, I. L. Chuang, M. Tegmark (2019). Learnability for the information
#   bottleneck. *Proc. 35th Conference on Uncertainty in Artificial Intelligence (UAI)*. arXiv:1907.07331.
# - H. Kim, W. Gao, S. Kannan, S. Oh, P. Viswanath (2017). Discovering potential correlations via
#   hypercontractivity. *Advances in Neural Information Processing Systems 30*. arXiv:1709.04024.
# - R. Varadhan, C. Roland (2008). Simple and globally convergent methods for accelerating the
#   convergence of any EM algorithm. *Scandinavian Journal of Statistics* 35(2), 335–353 (SQUAREM).
