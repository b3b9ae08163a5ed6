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
# **Learning objectives** (about 90 minutes)
#
# | you will be able to | time |
# |---|---|
# | compute entropy, mutual information and KL divergence of discrete tables, in bits | 15 min |
# | state the IB Lagrangian and derive its self-consistent equations | 15 min |
# | implement one IB update and trace the IB curve by annealing | 20 min |
# | read cluster splits at critical values of beta from encoder heat maps | 10 min |
# | see the IB as rate-distortion with a KL distortion, and check it numerically | 10 min |
# | compare the discrete solver with the closed-form Gaussian IB, and the IB with the deterministic IB | 20 min |
#
# **Prerequisites**: discrete probability (joint, marginal, conditional), numpy arrays,
# Lagrange multipliers at the level of "minimise f subject to g".
#
# **Units**: every information in this notebook is in **bits** (logarithms base 2).
#
# Everything printed or plotted below is computed in this run, from the distributions
# defined here. The machinery lives in the course's package `ibcourse`; the notebook
# calls it and asks you to write the key pieces yourself.

# %%
import matplotlib.pyplot as plt
import numpy as np

import ibcourse
from ibcourse import ib, info, joints, plots
from ibcourse.exercises import check
from ibcourse.widgets import beta_explorer

rng = ibcourse.seed_everything(0)

# %% [markdown]
# ## Parameters
#
# The defaults run in well under a minute on a 2-core laptop. `QUICK` (set by
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
# Your functions and the package's agree on a small binary channel: $X$ a fair bit,
# $Y$ a copy of it flipped with probability 0.1. Its correlation is $\rho = 0.8$.

# %%
pxy_2x2 = np.array([[0.45, 0.05], [0.05, 0.45]])
print(f"H(X)   = {entropy(pxy_2x2.sum(axis=1)):.6f} bits   (package: {info.entropy(pxy_2x2.sum(axis=1)):.6f})")
print(f"I(X;Y) = {mutual_information(pxy_2x2):.6f} bits   (package: {info.mutual_information(pxy_2x2):.6f})")
print(f"H(Y|X) = {info.conditional_entropy(pxy_2x2):.6f} bits;  1 - H_b(0.1) = {1 - info.entropy([0.9, 0.1]):.6f}")

# %% [markdown]
# **The data processing inequality.** If $T$ is computed from $X$ alone (a channel
# $p(t|x)$), then $Y \to X \to T$ and $I(T;Y) \le I(X;Y)$: no processing of $X$ creates
# information about $Y$. Check it on random channels: the largest ratio below must
# stay at or under 1.

# %%
p_x_given_y = np.random.default_rng(1).dirichlet(np.ones(6), size=3)  # 3 labels, 6 inputs
pxy_small = (p_x_given_y * np.array([0.5, 0.3, 0.2])[:, None]).T  # p(x, y), shape (6, 3)
ratios = []
for _ in range(200):
    channel = rng.dirichlet(np.ones(4), size=6)  # p(t|x), shape (6, 4)
    pty = channel.T @ pxy_small  # p(t, y)
    ratios.append(info.mutual_information(pty) / info.mutual_information(pxy_small))
print(f"largest I(T;Y) / I(X;Y) over 200 random channels: {max(ratios):.4f}")

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
# the normaliser, and $\sum_y p(y|x)\log p(y|t)$ is, up to such a term, minus the KL
# divergence from $p(y|x)$ to $p(y|t)$. The stationary points satisfy
# $$p(t|x) = \frac{p(t)}{Z(x,\beta)}\exp\!\big(-\beta\,D_{\mathrm{KL}}[p(y|x)\,\|\,p(y|t)]\big),\quad
# p(t) = \sum_x p(x)p(t|x),\quad p(y|t) = \frac{1}{p(t)}\sum_x p(y|x)p(t|x)p(x),$$
# with the KL in nats inside $\exp$ (equivalently $2^{-\beta D_{\mathrm{KL}}}$ with the
# KL in bits). The encoder assigns $x$ to clusters $t$ whose prediction of $Y$ is close
# to that of $x$, weighted by how popular $t$ already is. Iterating the three equations
# never increases $\mathcal{L}$ and converges to a *local* optimum.
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
# Iterating your update from a random encoder on the binary channel: the package's
# `iterative_ib` does the same loop, in the log domain, with a convergence test.

# %%
encoder = rng.dirichlet(np.ones(2), size=2)
for _ in range(300):
    encoder = ib_update(pxy_2x2, encoder, 4.0)
mine = ib.ib_step(pxy_2x2, encoder, 4.0)
package = ib.iterative_ib(pxy_2x2, 4.0, seed=0)
print("your encoder after 300 updates:\n", np.round(encoder, 4))
print(f"package: I(X;T) = {package.i_xt:.4f} bits, I(T;Y) = {package.i_ty:.4f} bits, "
      f"{package.n_iter} updates, converged = {package.converged}")

# %% [markdown]
# ### A first phase transition — and why the 2×2 example is too small
#
# For a jointly distributed pair the trivial solution ($T$ independent of $X$) is
# optimal up to a **critical** $\beta$. For this binary channel the theory gives
# $\beta_c = 1/\rho^2 = 1.5625$. Measure it: below, the converged $I(X;T)$ is zero up to
# rounding (around $10^{-16}$ bits); above, it moves away from zero. Note how many
# more updates are needed close to $\beta_c$: convergence slows down at a phase
# transition.

# %%
rho = 0.8
for beta in [1.0, 1.5, 1.55, 1.58, 1.65, 2.0, 4.0]:
    r = ib.iterative_ib(pxy_2x2, beta, seed=0)
    print(f"beta = {beta:5.2f}  I(X;T) = {r.i_xt:9.2e}  I(T;Y) = {r.i_ty:9.2e}  "
          f"({r.n_iter} updates{'' if r.converged else ', NOT converged'})")
print(f"theory: beta_c = 1/rho^2 = {1 / rho**2}")

# %% [markdown]
# With $|X| = 2$ there is nothing to *compress into*: once both inputs are separated
# ($|T| = |X| = 2$) the representation is $X$ itself. The interesting structure of the
# IB — which inputs are grouped, in what order groups split — needs many inputs and
# few labels.
#
# ## 4. The IB curve of a many-to-few channel
#
# Our joint: $X$ uniform on 32 inputs in four groups of 12, 10, 6 and 4; each group
# points to its own label $y$, some inputs reliably ($p(y|x)$ close to one-hot), others
# barely (close to uniform) — `joints.noisy_labels`. Which inputs are worth telling
# apart depends on how much a bit of $I(T;Y)$ is worth: that is $\beta$.

# %%
pxy = joints.noisy_labels(group_sizes=(12, 10, 6, 4), reliability=(0.3, 0.95))
h_x, i_xy = info.entropy(pxy.sum(axis=1)), info.mutual_information(pxy)
print(f"|X| = {pxy.shape[0]}, |Y| = {pxy.shape[1]},  H(X) = {h_x:.4f} bits,  I(X;Y) = {i_xy:.4f} bits")

fig, ax = plt.subplots(figsize=(8, 2.5))
ax.imshow((pxy / pxy.sum(axis=1, keepdims=True)).T, aspect="auto", cmap="magma")
ax.set_xlabel("input x")
ax.set_ylabel("label y")
ax.set_title("p(y|x)")
plt.show()

# %% [markdown]
# **Tracing the curve.** `ib_curve` **anneals**: it starts at the largest $\beta$ from
# $T = X$ (the optimum as $\beta\to\infty$), and warm-starts every smaller $\beta$ from
# the solution at its neighbour, merging clusters once their predictions $p(y|t)$
# coincide (the splits of the IB, read backwards). A first attempt would instead solve each $\beta$ on its own, from a fresh
# random encoder, for a fixed number of updates. Both are local searches; does the
# difference matter? Measure it: the Lagrangian $I(X;T)-\beta I(T;Y)$ is what both
# minimise, so the lower one is the better solution at that $\beta$.

# %%
betas = np.geomspace(0.5, 100, N_BETAS)
curve = ib.ib_curve(pxy, betas)
fresh = [ib.iterative_ib(pxy, b, seed=k, max_iter=300) for k, b in enumerate(betas)]
fresh_xt, fresh_ty = np.array([r.i_xt for r in fresh]), np.array([r.i_ty for r in fresh])
excess = (fresh_xt - betas * fresh_ty) - (curve.i_xt - betas * curve.i_ty)

fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4.2))
plots.ib_plane(left, curve, h_x=h_x, i_xy=i_xy, label="annealed (ib_curve)")
left.plot(fresh_xt, fresh_ty, "x", color="tab:red", label="fresh random start per beta")
left.legend()
right.semilogx(betas, excess, ".-", color="tab:red")
right.axhline(0, color="grey", lw=0.8)
right.set_xlabel("beta")
right.set_ylabel("Lagrangian, fresh minus annealed [bits]")
plt.tight_layout()
plt.show()

print(f"annealed curve monotone in beta: I(X;T) {np.all(np.diff(curve.i_xt) >= -1e-9)}, "
      f"I(T;Y) {np.all(np.diff(curve.i_ty) >= -1e-9)}")
print(f"fresh starts monotone in beta:   I(X;T) {np.all(np.diff(fresh_xt) >= -1e-9)}, "
      f"I(T;Y) {np.all(np.diff(fresh_ty) >= -1e-9)}")
print(f"fresh starts worse by more than 1e-3 bits at {np.sum(excess > 1e-3)} of {len(betas)} betas, "
      f"better by more than 1e-3 bits at {np.sum(excess < -1e-3)}; "
      f"largest excess {excess.max():.4f} bits, largest shortfall {-excess.min():.1e} bits")
print(f"top of the annealed curve: I(T;Y) = {curve.i_ty[-1]:.5f} of I(X;Y) = {i_xy:.5f} bits")

# %% [markdown]
# ## 5. Clusters split at critical betas
#
# Along the curve the number of distinct clusters grows in steps: each step is a
# bifurcation, where a cluster becomes unstable and splits. The split is continuous:
# just past a critical $\beta$ the two new clusters still differ only slightly, so the
# heat maps of the encoder $p(t|x)$ below (inputs down, clusters across) are taken a
# little further along, at four betas between splits.

# %%
fig, ax = plt.subplots(figsize=(7, 3))
ax.step(betas, curve.n_clusters, where="post")
ax.set_xscale("log")
ax.set_xlabel("beta")
ax.set_ylabel("distinct clusters")
plt.show()

splits = np.flatnonzero(np.diff(curve.n_clusters) > 0) + 1
print("splits (beta: clusters):", ", ".join(f"{betas[i]:.3g}: {curve.n_clusters[i]}" for i in splits))
shown = [int(np.argmin(np.abs(betas - b))) for b in (2.0, 4.0, 8.0, 30.0)]
fig, axes = plt.subplots(1, len(shown), figsize=(3.2 * len(shown), 3.5), squeeze=False)
for axis, i in zip(axes[0], shown):
    plots.encoder_map(axis, curve.encoders[i], title=f"beta = {betas[i]:.3g}")
plt.tight_layout()
plt.show()

# %% [markdown]
# **Predict, then look.** Before moving the slider: as $\beta$ passes the first split,
# how will the 32 inputs be divided — by sector, or some other way? Then explore; the
# slider steps through the solutions already computed above. (Where widgets do not
# render, the static figures above tell the same story.)

# %%
beta_explorer(curve, h_x=h_x, i_xy=i_xy)

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
# distortion as the IB (up to the solvers' convergence tolerances).

# %%
k = int(np.argmin(np.abs(betas - 10.0)))
enc_k = curve.encoders[k][:, curve.encoders[k].sum(axis=0) > 0]
d = ib.ib_distortion(pxy, enc_k)
px = pxy.sum(axis=1)
expected_d = np.sum(px[:, None] * enc_k * d)
print(f"beta = {betas[k]:.3f}: E d = {expected_d:.6f} bits;  I(X;Y) - I(T;Y) = {i_xy - curve.i_ty[k]:.6f} bits")
rd = ib.blahut_arimoto(px, d, betas[k])
print(f"Blahut-Arimoto with that distortion held fixed, s = beta: rate {rd.rate:.5f} bits, "
      f"mean distortion {rd.distortion:.5f} bits")
print(f"the IB solution:                                   I(X;T) = {curve.i_xt[k]:.5f} bits, "
      f"mean distortion {expected_d:.5f} bits")

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
ax.set_xlabel("distortion D")
ax.set_ylabel("rate R [bits]")
ax.legend()
plt.show()
print(f"largest gap to 1 - H_b(D): {max(abs(r - (1 - info.entropy([q, 1 - q]))) for q, r in zip(dist, rate)):.2e} bits")

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
# the two should lie on top of each other.

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
ax.legend()
plt.show()
on_curve = -0.5 * np.log2(1 - rho**2 + rho**2 * 2.0 ** (-2 * numeric.i_xt))
print(f"critical beta: closed form {analytic.critical_betas[0]:.4f}; discrete solver first leaves 0 at "
      f"beta = {g_betas[np.argmax(numeric.i_xt > 1e-3)]:.4f} (grid spacing of betas: x{g_betas[1] / g_betas[0]:.3f})")
print(f"largest distance of the discrete points from the closed-form curve: {np.abs(numeric.i_ty - on_curve).max():.2e} bits")
print(f"I(X;Y): discretised {info.mutual_information(pxy_gauss):.4f}, continuous {-0.5 * np.log2(1 - rho**2):.4f} bits")

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
fig, axes = plt.subplots(2, len(compare_betas), figsize=(10, 6.5))
for j, beta in enumerate(compare_betas):
    soft = curve.encoders[int(np.argmin(np.abs(betas - beta)))]
    hard = ib.deterministic_ib(pxy, beta)
    plots.encoder_map(axes[0, j], soft, title=f"IB, beta ~ {beta:g}")
    n_hard = int(np.count_nonzero(hard.encoder.sum(axis=0)))
    plots.encoder_map(axes[1, j], hard.encoder, title=f"DIB, beta = {beta:g}: {n_hard} clusters")
plt.tight_layout()
plt.show()

dib = [ib.deterministic_ib(pxy, b) for b in betas]
h_t_ib = [info.entropy(pxy.sum(axis=1) @ e) for e in curve.encoders]
fig, ax = plt.subplots(figsize=(6, 4.5))
ax.plot(h_t_ib, curve.i_ty, ".-", label="IB")
ax.plot([r.h_t for r in dib], [r.i_ty for r in dib], "s", ms=4, label="DIB")
ax.set_xlabel("H(T) [bits]")
ax.set_ylabel("I(T;Y) [bits]")
ax.legend()
plt.show()
print("DIB encoders are hard (0/1):", all(set(np.unique(r.encoder)) <= {0.0, 1.0} for r in dib))

# %% [markdown]
# ## Summary
#
# - Entropy, mutual information and KL are exact sums over nonzero cells, in bits;
#   no epsilons, no clipping.
# - The IB trades $I(X;T)$ against $\beta\, I(T;Y)$; its stationary points satisfy three
#   self-consistent equations, iterated in the log domain.
# - The curve must be traced by annealing (warm starts from neighbouring $\beta$);
#   independent random restarts give a scattered, non-monotone set of local optima.
# - As $\beta$ grows, clusters split at critical values; for the Gaussian IB these are
#   $1/(1-\lambda_i)$, and the discrete solver reproduces the closed form.
# - The IB is rate-distortion with $d(x,t)=D_{\mathrm{KL}}[p(y|x)\|p(y|t)]$, whose mean is
#   $I(X;Y)-I(T;Y)$.
# - The deterministic IB replaces $I(X;T)$ by $H(T)$ and yields hard clusters.
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
