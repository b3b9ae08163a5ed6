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
# # 4 · The Deep Variational Information Bottleneck, trained on real digits
#
# **Learning objectives** (about 100 minutes)
#
# | you will be able to | time |
# |---|---|
# | derive the two variational bounds behind the VIB loss | 15 min |
# | implement the Gaussian KL and the reparameterised sample | 15 min |
# | run a beta sweep and read error, information bounds and active dimensions off it | 25 min |
# | see a 2-D bottleneck collapse as beta grows | 10 min |
# | measure what a beta warm-up changes | 10 min |
# | connect the VIB to the beta-VAE through its rate-distortion trade-off | 15 min |
# | reproduce the MNIST recipe of Alemi et al. at paper scale (optional) | 10 min |
#
# **Prerequisites**: notebook 1 (the IB Lagrangian); PyTorch training loops; the normal
# distribution.
#
# **Units**: every information, cross-entropy and KL in this notebook is in **bits**.
#
# All numbers and plots below are computed in this run, on scikit-learn's bundled
# handwritten digits (offline), with the networks trained here.

# %%
import ipywidgets as widgets
import matplotlib.pyplot as plt
import numpy as np
import torch

import ibcourse
from ibcourse import data, info, plots, schedules, training, vib
from ibcourse.exercises import check

rng = ibcourse.seed_everything(0)
print("torch threads:", training.configure_threads(), "| device:", training.default_device())

# %% [markdown]
# ## Parameters
#
# The defaults train every model of this notebook in about a minute on a 2-core laptop
# (several models at a time: `VIBEnsemble` stacks independent networks, each with its
# own seed and beta, into one batched model). `PAPER_SCALE = True` adds the MNIST
# experiment of Alemi et al. (section 8), which downloads MNIST once and takes hours on
# a CPU, minutes on a GPU. `QUICK` (set by `IBCOURSE_QUICK=1`) only shrinks sizes.

# %%
QUICK = ibcourse.quick_mode()
PAPER_SCALE = False
BETAS = np.geomspace(1e-5, 1, 4 if QUICK else 11)  # the sweep: half-decade steps from 1e-5 to 1
SEEDS = (0,) if QUICK else (0, 1)
EPOCHS = 8 if QUICK else 60
HIDDEN = (256, 256)  # encoder hidden widths
K = 16  # bottleneck dimension
BATCH, LR, TEST_SAMPLES = 100, 1e-3, 12
K2_BETAS = [1e-3, 1e-1, 1.0] if QUICK else [1e-4, 1e-3, 1e-2, 3e-2, 1e-1, 3e-1, 1.0]
VAE_BETAS = [0.5, 4.0] if QUICK else [0.25, 0.5, 1.0, 2.0, 4.0, 8.0]

# %% [markdown]
# ## 1. The data
#
# `ibcourse.data.load` returns tensors and says where they came from. The default is
# offline: the 1797 handwritten digits of 8 × 8 pixels that ship with scikit-learn,
# split once, stratified by class. (`data.load("mnist")` fetches the 28 × 28 MNIST
# where the network is reachable.)

# %%
digits = data.load("digits")
print(digits.source)
print(f"train {tuple(digits.x_train.shape)}, test {tuple(digits.x_test.shape)}, pixels in "
      f"[{digits.x_train.min():.0f}, {digits.x_train.max():.0f}], {digits.n_classes} classes")
h_y = info.entropy(np.bincount(digits.y_test.numpy()) / len(digits.y_test))
print(f"H(Y) of the test labels = {h_y:.4f} bits (log2 10 = {np.log2(10):.4f})")
fig, axes = plt.subplots(1, 10, figsize=(10, 1.3))
for ax, image, label in zip(axes, digits.x_train[:10], digits.y_train[:10]):
    ax.imshow(image.reshape(digits.image_shape), cmap="gray_r")
    ax.set_title(int(label))
    ax.axis("off")
plt.show()

# %% [markdown]
# ## 2. From the IB to a loss you can train
#
# The IB asks for a representation $Z$ of $X$ that keeps what predicts $Y$ and drops
# the rest: maximise $I(Z;Y) - \beta\, I(Z;X)$. For a network neither term is
# computable, so Alemi et al. (2017) bound both with distributions we choose.
#
# ```
#  x (64 pixels) ──► encoder MLP ──► μ(x), σ(x) ──► z = μ + σ ⊙ ε,  ε ~ N(0, I) ──► decoder ──► q(y|z)
#                                   p(z|x) = N(μ, diag σ²)          (K numbers)            (10 classes)
# ```
#
# **Relevance, a lower bound.** For any decoder $q(y\mid z)$, since
# $\mathrm{KL}[p(y\mid z)\,\|\,q(y\mid z)] \ge 0$,
# $$I(Z;Y) = H(Y) + \mathbb E\,\log_2 p(y\mid z)
#   \;\ge\; H(Y) + \mathbb E_{x,y}\,\mathbb E_{z\sim p(z|x)} \log_2 q(y\mid z) = H(Y) - \mathrm{CE}.$$
#
# **Compression, an upper bound.** For any prior $r(z)$, since
# $\mathrm{KL}[p(z)\,\|\,r(z)] \ge 0$,
# $$I(Z;X) = \mathbb E_x\,\mathrm{KL}[p(z\mid x)\,\|\,p(z)] \;\le\; \mathbb E_x\,\mathrm{KL}[p(z\mid x)\,\|\,r(z)].$$
#
# Together: $-\big[I(Z;Y) - \beta I(Z;X)\big] \le \mathrm{CE} + \beta\,\mathbb E_x \mathrm{KL}[p(z|x)\,\|\,r(z)] - H(Y)$.
# The VIB minimises $\mathrm{CE} + \beta\,\mathrm{KL}$, with $r = N(0, I)$, for which
# the KL has a closed form, and with one sample of $z$ per example, drawn so that
# gradients flow: $z = \mu + \sigma\odot\varepsilon$ (the reparameterisation trick).
# Both bounds are printed below for every model, in bits: $I(Z;X) \le \mathbb E\,\mathrm{KL}$
# and $I(Z;Y) \ge H(Y) - \mathrm{CE}$.
#
# ### Exercise 4.1 — the KL of the posterior to the prior
# For $p = N(\mu, \mathrm{diag}\,\sigma^2)$ and $r = N(0, I)$,
# $\mathrm{KL}[p\,\|\,r] = \tfrac12 \sum_k \big(\sigma_k^2 + \mu_k^2 - 1 - \ln \sigma_k^2\big)$ nats.
# Write `kl_gaussian(mean, std)` for torch tensors of shape (batch, K); return one KL
# per row, in bits.

# %% tags=["exercise"]
def kl_gaussian(mean, std):
    """KL(N(mean, diag std^2) || N(0, I)) in bits, one value per row of the (batch, K) inputs."""
    raise NotImplementedError("Exercise 4.1: the closed-form KL, summed over the K dimensions, in bits")


# %% tags=["solution"] jupyter={"source_hidden": true}
def kl_gaussian(mean, std):
    """KL(N(mean, diag std^2) || N(0, I)) in bits, one value per row of the (batch, K) inputs."""
    nats = 0.5 * (std ** 2 + mean ** 2 - 1 - torch.log(std ** 2)).sum(dim=-1)
    return nats / np.log(2)


# %%
kl_gaussian = check.kl_gaussian(kl_gaussian)

# %% [markdown]
# **Sum, not mean.** The KL is *summed* over the K latent dimensions. Averaging it
# (`.mean(-1)`, a common slip) divides it by K, which is the same as training with
# beta / K: a sweep then lands on other betas than it claims.

# %%
mean, std = torch.randn(4, K), torch.rand(4, K) + 0.5
summed = kl_gaussian(mean, std)
print("KL summed over dims (bits):  ", np.round(summed.numpy(), 3))
print("KL averaged over dims (bits):", np.round((summed / K).numpy(), 3), f"= summed / K, K = {K}")

# %% [markdown]
# ### Exercise 4.2 — the reparameterised sample
# Write `reparameterise(mean, std, eps)`: a sample of $N(\mu, \sigma^2)$ built from
# standard normal noise `eps`, so that gradients reach `mean` and `std`.

# %% tags=["exercise"]
def reparameterise(mean, std, eps):
    """A sample of N(mean, std^2) from standard normal eps (all tensors of one shape)."""
    raise NotImplementedError("Exercise 4.2: shift and scale the noise")


# %% tags=["solution"] jupyter={"source_hidden": true}
def reparameterise(mean, std, eps):
    """A sample of N(mean, std^2) from standard normal eps (all tensors of one shape)."""
    return mean + std * eps


# %%
reparameterise = check.reparameterise(reparameterise)

# %% [markdown]
# ## 3. The beta sweep
#
# **Predict before you run.** As beta goes from $10^{-5}$ to 1:
# 1. what happens to the $I(Z;X)$ bound, and to the $I(Z;Y)$ bound?
# 2. at which beta does the test error start to rise, and where does the
#    representation collapse to the prior?
# 3. when does averaging the decoder over 12 samples of $z$ beat a single sample?
#
# Every beta is trained from 2 initialisation seeds, next to deterministic baselines:
# the same network with $z = \mu(x)$, no noise and no KL. The encoder is
# 64-256-256-2K with K = 16, the decoder is linear (as in Alemi et al.); Adam, learning
# rate 1e-3, batch 100, 60 epochs; the minibatch order has seed 0.

# %%
members = [(beta, seed) for beta in BETAS for seed in SEEDS] + [(0.0, seed) for seed in SEEDS]
sweep = vib.VIBEnsemble(64, 10, K, HIDDEN, seeds=[100 * seed + i for i, (_, seed) in enumerate(members)],
                        stochastic=[beta > 0 for beta, _ in members])
objective = vib.classifier_objective([schedules.Constant(beta) for beta, _ in members])
history = training.train(sweep, digits.x_train, digits.y_train, objective, epochs=EPOCHS, batch_size=BATCH, lr=LR,
                         desc=f"{len(members)} models")
print(f"{len(members)} models trained together in {history.seconds:.1f} s")
test = vib.evaluate(sweep, digits.x_test, digits.y_test, samples=TEST_SAMPLES, h_y=h_y)
train = vib.evaluate(sweep, digits.x_train, digits.y_train, samples=TEST_SAMPLES, h_y=h_y)
active = vib.active_dimensions(sweep, digits.x_train)

# %%
betas = np.array([beta for beta, _ in members])
vib_rows, det_rows = betas > 0, betas == 0
print(f"{'beta':>8} {'seed':>4} | test error: mean-z  1-shot  12-shot | I(Z;X) bound  I(Z;Y) bound (test) | active")
for i, (beta, seed) in enumerate(members):
    name = "determ." if beta == 0 else f"{beta:8.0e}"
    bounds = "(no noise)" if beta == 0 else f"{test['i_zx'][i]:12.2f}  {test['i_zy'][i]:12.3f}"
    print(f"{name:>8} {seed:>4} |        {test['error_mean'][i]:6.3f}  {test['error_1'][i]:6.3f}  "
          f"{test['error_S'][i]:6.3f} | {bounds:>26} | {active[i]:>3}")

# %%
by_beta = lambda values: values[vib_rows].reshape(len(BETAS), len(SEEDS))  # noqa: E731
fig, axes = plt.subplots(1, 3, figsize=(15, 4))
for key, label in (("error_mean", "posterior mean"), ("error_1", "1 sample"), ("error_S", f"{TEST_SAMPLES} samples")):
    axes[0].errorbar(BETAS, by_beta(test[key]).mean(1), yerr=by_beta(test[key]).std(1), marker="o", ms=3,
                     capsize=2, label=label)
axes[0].axhline(test["error_mean"][det_rows].mean(), color="black", ls="--", lw=1, label="deterministic")
axes[0].set(xscale="log", yscale="log", xlabel="beta", ylabel="test error", title="test error (mean ± sd over seeds)")
axes[0].legend(fontsize=8)
for split, result, marker in (("train", train, "o"), ("test", test, "s")):
    points = axes[1].scatter(result["i_zx"][vib_rows], result["i_zy"][vib_rows], c=np.log10(betas[vib_rows]),
                             marker=marker, cmap="viridis", label=split)
axes[1].axhline(h_y, color="grey", ls="--", lw=0.8)
axes[1].set(xscale="symlog", xlabel="I(Z;X) upper bound  E KL [bits]", ylabel="I(Z;Y) lower bound  H(Y) - CE [bits]",
            title="the information plane of the VIB")
fig.colorbar(points, ax=axes[1], label="log10 beta")
axes[1].legend(fontsize=8)
axes[2].plot(betas[vib_rows], active[vib_rows], "o")
axes[2].set(xscale="log", xlabel="beta", ylabel=f"active dimensions (of {K})",
            title="active latent dimensions (Var_x mu_k > 0.01)")
plt.tight_layout()
plt.show()

# %% [markdown]
# Compare with your predictions, using the table and the plots above:
# - The $I(Z;X)$ bound falls steadily as beta grows, from hundreds of bits (the noise
#   is tiny and z almost deterministic) to near 0 at beta = 1, where every
#   posterior sits on the prior and the error is close to guessing.
# - The $I(Z;Y)$ bound stays near $H(Y)$ until beta approaches 0.1, then drops: the
#   plane shows the trade-off the IB promises, measured through its bounds, with the
#   training points slightly above the test points (the bounds are computed on each set).
# - Compare the rows for beta from 1e-3 to 1e-2 with the deterministic rows: a small
#   beta costs no accuracy, and on a data set this small the noise can act as a
#   regulariser and lower the error.
# - Where the noise is large (beta around 0.1), one sample of z is a noisy guess, and
#   averaging the decoder over 12 samples recovers most of the accuracy of the
#   posterior mean.
# - The active-dimension count stays at K until the collapse: on digits the VIB
#   shrinks the information carried by every dimension rather than switching
#   dimensions off one by one.

# %% [markdown]
# ## 4. A two-dimensional bottleneck
#
# With K = 2 the representation can be looked at directly. Each test digit is drawn at
# its posterior mean, with an ellipse of one standard deviation on each axis, coloured
# by class; the dashed circle is one standard deviation of the prior. One model per
# beta, seed 0.

# %%
k2 = vib.VIBEnsemble(64, 10, 2, HIDDEN, seeds=list(range(len(K2_BETAS))))
training.train(k2, digits.x_train, digits.y_train, vib.classifier_objective([schedules.Constant(b) for b in K2_BETAS]),
               epochs=EPOCHS, batch_size=BATCH, lr=LR, desc="K = 2 models")
k2_test = vib.evaluate(k2, digits.x_test, digits.y_test, samples=TEST_SAMPLES, h_y=h_y)
with torch.no_grad():
    k2_mean, k2_std = (v.cpu().numpy() for v in k2.encode(digits.x_test.to(training.default_device())))
labels = digits.y_test.numpy()


def draw_k2(ax, index):
    """The test set in the 2-D bottleneck of the model trained with K2_BETAS[index]."""
    plots.latent_ellipses(ax, k2_mean[index], k2_std[index], labels,
                          title=f"beta = {K2_BETAS[index]:g}: I(Z;X) <= {k2_test['i_zx'][index]:.2f} bits, "
                                f"error {k2_test['error_S'][index]:.3f}")


def show_k2(index):
    fig, ax = plt.subplots(figsize=(5, 5))
    draw_k2(ax, index)
    plt.show()


static = [0, len(K2_BETAS) // 2 + 1, len(K2_BETAS) - 1]  # readable, collapsing, collapsed
fig, axes = plt.subplots(1, 3, figsize=(15, 5))
for ax, index in zip(axes, static):
    draw_k2(ax, index)
plt.tight_layout()
plt.show()
widgets.interactive(show_k2, index=widgets.SelectionSlider(
    options=[(f"{b:g}", i) for i, b in enumerate(K2_BETAS)], value=static[1], description="beta",
    continuous_update=False))

# %% [markdown]
# At small beta the ten classes sit in separate regions with small ellipses; as beta
# grows the ellipses swell towards the prior's circle and the clusters are pulled
# together until, at beta = 1, everything sits on the prior and z says nothing about
# the digit.

# %% [markdown]
# ## 5. Beta warm-up, measured
#
# A common recipe starts training with a small beta and ramps it up (a linear
# warm-up), to keep the KL from pushing the posteriors onto the prior before the
# decoder has learnt to use them. Does it change anything here? Same settings, two
# betas, two seeds, constant beta against a linear warm-up over the first quarter of
# training.

# %%
warm_betas = [1e-2, 1e-1]
warm_members = [(beta, kind, seed) for beta in warm_betas for kind in ("constant", "warm-up") for seed in SEEDS]
warm_schedules = [schedules.Constant(b) if kind == "constant" else schedules.LinearWarmup(b, max(1, EPOCHS // 4))
                  for b, kind, _ in warm_members]
warm = vib.VIBEnsemble(64, 10, K, HIDDEN, seeds=[100 * seed + i for i, (_, _, seed) in enumerate(warm_members)])
training.train(warm, digits.x_train, digits.y_train, vib.classifier_objective(warm_schedules), epochs=EPOCHS,
               batch_size=BATCH, lr=LR, desc="warm-up vs constant")
warm_test = vib.evaluate(warm, digits.x_test, digits.y_test, samples=TEST_SAMPLES, h_y=h_y)
warm_active = vib.active_dimensions(warm, digits.x_train)
print(f"{'beta':>6} {'schedule':>9} {'seed':>4} | test error (12-shot)  I(Z;X) bound  I(Z;Y) bound  active dims")
for i, (beta, kind, seed) in enumerate(warm_members):
    print(f"{beta:6.0e} {kind:>9} {seed:>4} | {warm_test['error_S'][i]:20.3f}  {warm_test['i_zx'][i]:12.2f}  "
          f"{warm_test['i_zy'][i]:12.3f}  {warm_active[i]:>11}")
kinds = np.array([kind for _, kind, _ in warm_members])
for beta in warm_betas:
    rows = np.array([b == beta for b, _, _ in warm_members])
    const, ramp = (warm_test["error_S"][rows & (kinds == k)] for k in ("constant", "warm-up"))
    print(f"beta {beta:g}: mean test error constant {const.mean():.3f}, warm-up {ramp.mean():.3f} "
          f"(difference {const.mean() - ramp.mean():+.3f}); seed-to-seed range {np.ptp(const):.3f} and {np.ptp(ramp):.3f}")

# %% [markdown]
# Read each difference against the seed-to-seed range before calling it an effect:
# with two seeds, a difference smaller than the range is noise. Where the active count
# stays at K under both schedules (look at the last column), the warm-up cannot be
# rescuing collapsed dimensions; if it helps, it is by letting the decoder learn
# before the noise is large. Try larger betas in `warm_betas`, or more
# seeds, to see how far the effect goes.

# %% [markdown]
# ## 6. The same KL in an autoencoder: the beta-VAE
#
# Replace the label decoder by a decoder that reconstructs the image, and the VIB loss
# becomes the beta-VAE loss (Higgins et al. 2017):
# $$\underbrace{\mathbb E\,[-\log_2 q(x\mid z)]}_{\text{distortion } D}
#   + \beta\,\underbrace{\mathbb E_x\,\mathrm{KL}[p(z\mid x)\,\|\,N(0,I)]}_{\text{rate } R}.$$
# The rate bounds $I(Z;X)$ as before; the distortion is the reconstruction
# cross-entropy (pixels as Bernoulli probabilities, bits per image). Moving beta
# traces a rate-distortion curve (Alemi et al. 2018, "Fixing a broken ELBO"):
# beta = 1 is the ordinary VAE.

# %%
vae = vib.VAEEnsemble(64, 8, (256,), seeds=list(range(len(VAE_BETAS))))
training.train(vae, digits.x_train, digits.y_train, vib.autoencoder_objective([schedules.Constant(b) for b in VAE_BETAS]),
               epochs=2 * EPOCHS, batch_size=BATCH, lr=LR, desc="beta-VAEs")
with torch.no_grad():
    x_test = digits.x_test.to(training.default_device())
    logits, vae_mean, vae_std = vae(x_test)
    vae_parts = vib.vae_loss(logits, x_test, vae_mean, vae_std, torch.tensor(VAE_BETAS, device=x_test.device))
    reconstructions = torch.sigmoid(vae.decoder(vae_mean)).cpu().numpy()  # decoded posterior means
rate, distortion = vae_parts["rate"].cpu().numpy(), vae_parts["distortion"].cpu().numpy()
for beta, r, d in zip(VAE_BETAS, rate, distortion):
    print(f"beta = {beta:5.2f}: rate {r:6.2f} bits, distortion {d:6.2f} bits per image")

fig = plt.figure(figsize=(14, 4))
ax = fig.add_subplot(1, 3, 1)
ax.plot(rate, distortion, "o-")
for beta, r, d in zip(VAE_BETAS, rate, distortion):
    ax.annotate(f"beta={beta:g}", (r, d), textcoords="offset points", xytext=(4, 4), fontsize=8)
ax.set(xlabel="rate  E KL [bits]", ylabel="distortion [bits per image]", title="beta-VAE on test digits")
grid = fig.add_subplot(1, 3, (2, 3))
shown = 8
canvas = np.ones(((len(VAE_BETAS) + 1) * 9, shown * 9))
for j in range(shown):
    canvas[:8, 9 * j:9 * j + 8] = digits.x_test[j].reshape(8, 8).numpy()
    for i in range(len(VAE_BETAS)):
        canvas[9 * (i + 1):9 * (i + 1) + 8, 9 * j:9 * j + 8] = reconstructions[i, j].reshape(8, 8)
grid.imshow(canvas, cmap="gray_r")
grid.set_yticks([4 + 9 * i for i in range(len(VAE_BETAS) + 1)], ["test image"] + [f"beta={b:g}" for b in VAE_BETAS])
grid.set_xticks([])
grid.set_title("reconstructions from the posterior mean")
plt.tight_layout()
plt.show()

# %% [markdown]
# Low beta buys sharp reconstructions with many bits of rate; high beta spends few bits
# and the reconstructions blur towards an average digit. The classifier's beta trades
# the same rate against label information instead of pixel information.

# %% [markdown]
# ## 7. Summary
# - The VIB loss CE + beta KL bounds the IB Lagrangian: E KL bounds I(Z;X) from above,
#   H(Y) - CE bounds I(Z;Y) from below. Both are in bits when the logs are base 2.
# - Sum the KL over latent dimensions; averaging divides beta by K.
# - On digits, measured above: I(Z;X) falls steadily with beta; a small beta costs
#   nothing in accuracy; near beta = 0.1 averaging over samples matters; at beta = 1
#   the representation collapses to the prior.
# - The same KL with a reconstruction decoder is the beta-VAE, and beta moves it along
#   a rate-distortion curve.
#
# ## 8. Paper scale: MNIST as in Alemi et al. (2017)
#
# With `PAPER_SCALE = True` this cell downloads MNIST (once, 11 MB, checked against
# fixed SHA-256 digests) and runs the recipe of the paper: a 784-1024-1024 encoder,
# K = 256, a linear decoder, beta = 1e-3, Adam (learning rate 1e-4, decay rate 0.5 for
# the first moment, learning rate times 0.97 every 2 epochs), batch 100, 200 epochs,
# 12 posterior samples at test time, next to a deterministic network of the same
# shape. The published test errors are 1.38 % (deterministic) and 1.13 % (VIB).
# Offline it stops with a message that names the offline default.

# %%
if PAPER_SCALE:
    errors = vib.alemi_recipe(data.load("mnist"))
    print(f"trained in {errors['seconds'] / 60:.1f} min on {training.default_device()}")
    for name in ("deterministic", "vib"):
        print(f"{name:>13}: test error {100 * errors[name]:.2f} %  "
              f"(published {100 * vib.PUBLISHED_MNIST_ERRORS[name]:.2f} %)")
else:
    print("PAPER_SCALE is False: the MNIST run is skipped (set it to True in the parameters cell).")

# %% [markdown]
# ## Further reading
# - A. A. Alemi, I. Fischer, J. V. Dillon and K. Murphy. Deep variational information
#   bottleneck. ICLR 2017 (arXiv:1612.00410).
# - N. Tishby, F. C. Pereira and W. Bialek. The information bottleneck method.
#   Allerton 1999 (arXiv:physics/0004057).
# - D. P. Kingma and M. Welling. Auto-encoding variational Bayes. ICLR 2014.
# - I. Higgins, L. Matthey, A. Pal, C. Burgess, X. Glorot, M. Botvinick, S. Mohamed and
#   A. Lerchner. beta-VAE: learning basic visual concepts with a constrained
#   variational framework. ICLR 2017.
# - A. A. Alemi, B. Poole, I. Fischer, J. V. Dillon, R. A. Saurous and K. Murphy.
#   Fixing a broken ELBO. ICML 2018.
# - Y. Burda, R. Grosse and R. Salakhutdinov. Importance weighted autoencoders. ICLR
#   2016 (the active-unit criterion).
# - H. Fu, C. Li, X. Liu, J. Gao, A. Celikyilmaz and L. Carin. Cyclical annealing
#   schedule: a simple approach to mitigating KL vanishing. NAACL 2019.
