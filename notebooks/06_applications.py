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
# # 6 · Applications: pruning, interpretable bottlenecks, robustness, and the IB methods side by side

# %%
import time

import matplotlib.pyplot as plt
import numpy as np
import torch

import ibcourse
from ibcourse import attacks, claims, concepts, data, ib, info, mine_ib, models, neural_mi, plots, schedules, training, vib
from ibcourse.exercises import check

ibcourse.seed_everything(0)
device = training.default_device()
print("torch threads:", training.configure_threads(), "| device:", device)
plt.rcParams.update({"font.size": 11})
start_of_run = time.perf_counter()

# %%
QUICK = ibcourse.quick_mode()
PAPER_SCALE = False
SEEDS = (0, 1) if QUICK else (0, 1, 2)
EPOCHS = 15 if QUICK else 80
HIDDEN, K, BATCH, LR, TEST_SAMPLES = (128,), 16, 100, 3e-3, 12
ROBUST_BETAS = [1e-3, 1e-2, 0.1, 0.3]
PRUNE_BETA, DECODER_HIDDEN = 0.3, (64,)
RANDOM_ORDERS = 3 if QUICK else 10
EPSILONS = (0.0, 0.05, 0.1, 0.2) if QUICK else (0.0, 0.025, 0.05, 0.1, 0.15, 0.2)
PGD_STEPS = 3 if QUICK else 10
SHAPES_TRAIN, SHAPES_TEST = (500, 300) if QUICK else (2000, 1000)
SHAPES_EPOCHS, SHAPES_K, SHAPES_BETA, CONCEPT_WEIGHT = (8 if QUICK else 40), 4, 1e-2, 1.0
SHAPES_SEEDS = (0, 1)
VAE_BETA, VAE_EPOCHS, VAE_HIDDEN = 4.0, (6 if QUICK else 20), (64,)
CLUSTERS, TABLE_K, TABLE_EPOCHS = 32, 8, (10 if QUICK else 40)
TABLE_BETA_IB = 2.0  # the discrete IB's beta; the VIB's is its inverse, 0.5
CURVE_BETAS_VIB = (0.05, 0.2, 1 / TABLE_BETA_IB)
TABLE_VAE_BETA = 8.0
IMAGES = "digits"
if PAPER_SCALE:
    IMAGES, HIDDEN, K, EPOCHS, SEEDS = "mnist", (1024, 1024), 256, 200, (0, 1, 2, 3, 4)
    PGD_STEPS, SHAPES_TRAIN, SHAPES_TEST, SHAPES_EPOCHS, VAE_EPOCHS = 40, 20000, 5000, 100, 100
KEPT = list(range(1, K + 1)) if K <= 32 else sorted({int(k) for k in np.geomspace(1, K, 24)})

# %%
images = data.load(IMAGES)
x_train, y_train, x_test, y_test = images.x_train, images.y_train, images.x_test, images.y_test
n_pixels, n_classes = x_train.shape[1], images.n_classes
print(images.source, f"| train {tuple(x_train.shape)}, test {tuple(x_test.shape)}")
members = [(beta, seed) for beta in [0.0, *ROBUST_BETAS] for seed in SEEDS]
betas = np.array([beta for beta, _ in members])
linear = vib.VIBEnsemble(n_pixels, n_classes, K, HIDDEN, seeds=[100 * seed + i for i, (_, seed) in enumerate(members)],
                         stochastic=list(betas > 0))
linear_history = training.train(linear, x_train, y_train,
                                vib.classifier_objective([schedules.Constant(b) for b in betas]),
                                epochs=EPOCHS, batch_size=BATCH, lr=LR, desc=f"{len(members)} linear-decoder models")
mlp = vib.VIBEnsemble(n_pixels, n_classes, K, HIDDEN, seeds=[7000 + seed for seed in SEEDS],
                      decoder_hidden=DECODER_HIDDEN)
mlp_history = training.train(mlp, x_train, y_train,
                             vib.classifier_objective([schedules.Constant(PRUNE_BETA)] * len(SEEDS)),
                             epochs=EPOCHS, batch_size=BATCH, lr=LR, desc=f"{len(SEEDS)} MLP-decoder models")
print(f"linear decoders: {len(members)} models ({len(ROBUST_BETAS)} betas + deterministic, {len(SEEDS)} seeds each), "
      f"{EPOCHS} epochs: {linear_history.seconds:.1f} s")
print(f"MLP decoders: {len(SEEDS)} models at beta = {PRUNE_BETA}, {EPOCHS} epochs: {mlp_history.seconds:.1f} s")
linear_test = vib.evaluate(linear, x_test, y_test, samples=TEST_SAMPLES)
mlp_test = vib.evaluate(mlp, x_test, y_test, samples=TEST_SAMPLES)
with torch.no_grad():
    linear_mean, linear_std = linear.encode(x_train.to(device))
    mlp_mean, mlp_std = mlp.encode(x_train.to(device))
linear_rates = vib.rate_per_dimension(linear_mean, linear_std).cpu().numpy()
mlp_rates = vib.rate_per_dimension(mlp_mean, mlp_std).cpu().numpy()
at_prune_beta = betas == PRUNE_BETA
for name, rates, errors in (("linear decoder", linear_rates[at_prune_beta], linear_test["error_S"][at_prune_beta]),
                            ("MLP decoder", mlp_rates, mlp_test["error_S"])):
    print(f"{name}, beta = {PRUNE_BETA}: test error {errors.mean():.3f} ± {errors.std(ddof=1):.3f}")
    for seed, row in zip(SEEDS, rates):
        print(f"  seed {seed}: rates (bits, sorted) " + " ".join(f"{r:.2f}" for r in np.sort(row)[::-1]))


# %% tags=["exercise"]
def rank_by_rate(mean, std):
    """Latent dimensions, most bits first: (n, K) posterior means and stds -> (K,) indices."""
    raise NotImplementedError("Exercise 6.1: the rate of each dimension, then its order")


# %% tags=["solution"] jupyter={"source_hidden": true}
def rank_by_rate(mean, std):
    """Latent dimensions, most bits first: (n, K) posterior means and stds -> (K,) indices."""
    rate = (0.5 * (std ** 2 + mean ** 2 - 1 - torch.log(std ** 2)) / np.log(2)).mean(dim=0)
    return torch.argsort(rate, descending=True)


# %%
rank_by_rate = check.rank_by_rate(rank_by_rate)


# %% tags=["exercise"]
def prune_layers(w_heads, b_heads, w_decoder, keep):
    """The smaller layers that keep the latent dimensions `keep`: (w_heads, b_heads, w_decoder), each pruned."""
    raise NotImplementedError("Exercise 6.2: the columns of the kept means and stds, the rows of the decoder")


# %% tags=["solution"] jupyter={"source_hidden": true}
def prune_layers(w_heads, b_heads, w_decoder, keep):
    """The smaller layers that keep the latent dimensions `keep`: (w_heads, b_heads, w_decoder), each pruned."""
    k = w_decoder.shape[0]
    columns = torch.cat([keep, keep + k])
    return w_heads[:, columns], b_heads[columns], w_decoder[keep]


# %%
prune_layers = check.prune_layers(prune_layers)

# %%
rng = np.random.default_rng(0)
cpu_mean, cpu_std = mlp_mean.cpu(), mlp_std.cpu()
orders = {"rate (most bits first)": torch.stack([torch.as_tensor(rank_by_rate(m, s)) for m, s in zip(cpu_mean, cpu_std)]),
          "posterior variance (article)": vib.dimension_order(cpu_mean, cpu_std, by="variance")}
randoms = [torch.as_tensor(np.stack([rng.permutation(K) for _ in SEEDS])) for _ in range(RANDOM_ORDERS)]
accuracy = {name: vib.accuracy_by_kept(mlp, order, KEPT, x_test, y_test, samples=TEST_SAMPLES)
            for name, order in orders.items()}  # (len(KEPT), seeds)
accuracy["random order"] = np.mean([vib.accuracy_by_kept(mlp, order, KEPT, x_test, y_test, samples=TEST_SAMPLES)
                                    for order in randoms], axis=0)
parameters = [models.member_parameters(vib.prune(mlp, orders["rate (most bits first)"][:, :k])) for k in KEPT]
small = vib.prune(mlp, orders["rate (most bits first)"][:, :4])
heads, decoder_in = mlp.encoder.linear2, mlp.decoder.linear1
mine = prune_layers(heads.weight[0].detach().cpu(), heads.bias[0, 0].detach().cpu(), decoder_in.weight[0].detach().cpu(),
                    orders["rate (most bits first)"][0, :4])
same = all(torch.allclose(torch.as_tensor(a), b.cpu()) for a, b in zip(
    mine, (small.encoder.linear2.weight[0], small.encoder.linear2.bias[0, 0], small.decoder.linear1.weight[0])))
print("your prune_layers gives the layers of vib.prune:", same)
full = 1 - mlp_test["error_S"]
print(f"{'kept':>4} {'params':>7} | " + " | ".join(f"{name[:22]:>22}" for name in accuracy))
for i, k in enumerate(KEPT):
    print(f"{k:>4} {parameters[i]:>7} | " + " | ".join(f"{a[i].mean():>15.3f} ± {a[i].std(ddof=1):.3f}" for a in accuracy.values()))

fig, ax = plt.subplots(figsize=(9, 5))
for name, acc in accuracy.items():
    plots.mean_and_spread(ax, KEPT, acc, label=name)
ax.axhline(full.mean(), color="black", ls="--", lw=1, label="all K dimensions")
ax.set(xlabel="latent dimensions kept", ylabel="test accuracy (12 samples of z)",
       title=f"pruning a VIB (MLP decoder, beta = {PRUNE_BETA}), mean ± sd over {len(SEEDS)} seeds")
top = ax.secondary_xaxis("top", functions=(lambda k: np.interp(k, KEPT, parameters),
                                           lambda p: np.interp(p, parameters, KEPT)))
top.set_xlabel("parameters per model")
ax.legend(fontsize=9)
plt.show()

# %%
shapes = data.shapes(SHAPES_TRAIN, SHAPES_TEST)
factor_names = list(data.SHAPE_FACTORS)
fig, axes = plt.subplots(1, 8, figsize=(12, 2))
for ax, image, factors in zip(axes, shapes.x_train, shapes.factors_train):
    ax.imshow(image.reshape(shapes.image_shape), cmap="gray", vmin=0, vmax=1)
    ax.set_title(" ".join(str(v) for v in factors.tolist()), fontsize=8)
    ax.axis("off")
plt.show()
kinds = [("VIB", 0.0)] * len(SHAPES_SEEDS) + [("concept bottleneck", CONCEPT_WEIGHT)] * len(SHAPES_SEEDS)
bottleneck = vib.VIBEnsemble(shapes.x_train.shape[1], 2, SHAPES_K, HIDDEN, seeds=[300 + i for i in range(len(kinds))])
shape_history = training.train(bottleneck, shapes.x_train, concepts.targets(shapes.y_train, shapes.concepts_train),
                               concepts.concept_objective([schedules.Constant(SHAPES_BETA)] * len(kinds),
                                                          [w for _, w in kinds]),
                               epochs=SHAPES_EPOCHS, batch_size=BATCH, lr=LR, desc="VIBs and concept bottlenecks")
vae = vib.VAEEnsemble(shapes.x_train.shape[1], SHAPES_K, VAE_HIDDEN, seeds=list(SHAPES_SEEDS), levels=2)
vae_history = training.train(vae, shapes.x_train, shapes.y_train,
                             vib.autoencoder_objective([schedules.Constant(VAE_BETA)] * len(SHAPES_SEEDS)),
                             epochs=VAE_EPOCHS, batch_size=BATCH, lr=LR, desc="beta-VAEs")
print(f"{len(kinds)} classifiers: {shape_history.seconds:.1f} s; {len(SHAPES_SEEDS)} beta-VAEs: {vae_history.seconds:.1f} s")
shape_test = vib.evaluate(bottleneck, shapes.x_test, shapes.y_test, samples=TEST_SAMPLES)
shape_train = vib.evaluate(bottleneck, shapes.x_train, shapes.y_train, samples=TEST_SAMPLES)
with torch.no_grad():
    z_train = bottleneck.encode(shapes.x_train.to(device))[0].cpu()
    z_test = bottleneck.encode(shapes.x_test.to(device))[0].cpu()
    vae_train = vae.encode(shapes.x_train.to(device))[0].cpu()
    vae_test = vae.encode(shapes.x_test.to(device))[0].cpu()
own = concepts.concept_accuracy(bottleneck, shapes.x_test, shapes.concepts_test)
probe = [concepts.single_dimension_probe(a, shapes.concepts_train, b, shapes.concepts_test)[1]
         for a, b in zip([*z_train, *vae_train], [*z_test, *vae_test])]
factor_info = [concepts.latent_factor_information(z, shapes.factors_test) for z in [*z_test, *vae_test]]
shuffled = concepts.latent_factor_information(z_test[0], shapes.factors_test[torch.randperm(len(shapes.factors_test))])
print("label error, I(Z;X) bound, concept accuracy (own dimension / best single dimension):")
for i, (name, _) in enumerate(kinds):
    print(f"  {name:<20} error {shape_test['error_S'][i]:.3f}  KL {shape_train['i_zx'][i]:6.2f} bits  own "
          + " ".join(f"{a:.3f}" for a in own[i]) + " | probe " + " ".join(f"{a:.3f}" for a in probe[i]))
for i, seed in enumerate(SHAPES_SEEDS):
    print(f"  beta-VAE seed {seed}       probe " + " ".join(f"{a:.3f}" for a in probe[len(kinds) + i]))
print("shuffled factors, largest value:", shuffled.max().round(3))
fig, axes = plt.subplots(1, 4, figsize=(20, 4))
for ax, values, title in zip(axes, [factor_info[len(kinds)], factor_info[len(kinds) + 1], factor_info[0],
                                    factor_info[len(SHAPES_SEEDS)]],
                             ["beta-VAE, seed 0", "beta-VAE, seed 1", "VIB (labels only), seed 0",
                              "concept bottleneck, seed 0"]):
    plots.factor_information(ax, values, factor_names, title=title, vmax=1.5)
plt.tight_layout()
plt.show()
steps = np.linspace(-2.5, 2.5, 9)
grid = torch.zeros(SHAPES_K, len(steps), SHAPES_K)
for k in range(SHAPES_K):
    grid[k, :, k] = torch.as_tensor(steps, dtype=torch.float32)
with torch.no_grad():
    decoded = vae.decode(grid.reshape(1, -1, SHAPES_K).expand(len(SHAPES_SEEDS), -1, -1).to(device)).softmax(-1)[..., 1]
fig, ax = plt.subplots(figsize=(8, 4))
plots.image_grid(ax, decoded[0].reshape(SHAPES_K, len(steps), *shapes.image_shape).cpu().numpy(),
                 row_labels=[f"z{k + 1}" for k in range(SHAPES_K)], column_labels=[f"{s:+.1f}" for s in steps],
                 title="beta-VAE seed 0: one latent moved, the others at 0 (probability of a white pixel)")
plt.show()


# %% tags=["exercise"]
def contributions(weight, z):
    """Bits of log-odds for class 1 over class 0 that each dimension adds: weight (K, 2), z (n, K) -> (n, K)."""
    raise NotImplementedError("Exercise 6.4: z times the difference of the two columns, in bits")


# %% tags=["solution"] jupyter={"source_hidden": true}
def contributions(weight, z):
    """Bits of log-odds for class 1 over class 0 that each dimension adds: weight (K, 2), z (n, K) -> (n, K)."""
    return z * (weight[:, 1] - weight[:, 0]) / np.log(2)


# %%
contributions = check.contributions(contributions)

# %%
cbm = len(SHAPES_SEEDS)  # the first concept bottleneck
weight = bottleneck.decoder.linear1.weight[cbm].detach().cpu()
bias = bottleneck.decoder.linear1.bias[cbm, 0].detach().cpu()
parts = torch.as_tensor(contributions(weight, z_test[cbm]))
log_odds = (z_test[cbm] @ weight + bias) / np.log(2)
exact = torch.allclose(parts.sum(1) + (bias[1] - bias[0]) / np.log(2), log_odds[:, 1] - log_odds[:, 0], atol=1e-4)
print("the contributions and the bias add up to the log-odds:", exact)
typical = torch.stack([torch.stack([z_train[cbm][shapes.concepts_train[:, j] == v, j].mean() for v in (0, 1)])
                       for j in range(SHAPES_K)])  # (concepts, 2): the mean z_j of inputs without / with it


def decoded_accuracy(z):
    return float(((z @ weight + bias).argmax(1) == shapes.y_test).double().mean())


said = (z_test[cbm] > 0).long()
truth = shapes.concepts_test
print(f"concept bottleneck, decoding the posterior mean:  {decoded_accuracy(z_test[cbm]):.3f}")
print(f"  concepts replaced by typical values of what it read: "
      f"{decoded_accuracy(typical[torch.arange(SHAPES_K), said]):.3f}")
print(f"  concepts replaced by typical values of the truth:    "
      f"{decoded_accuracy(typical[torch.arange(SHAPES_K), truth]):.3f}")
wrong = (log_odds.argmax(1) != shapes.y_test)
print(f"errors with a concept read wrong: {int((wrong & (said != truth).any(1)).sum())} of {int(wrong.sum())}")
shown = [0, 1, 2, 3, 4, 5]
fig, axes = plt.subplots(2, len(shown), figsize=(16, 5), gridspec_kw={"height_ratios": [1, 1.2]})
for col, i in enumerate(shown):
    axes[0, col].imshow(shapes.x_test[i].reshape(shapes.image_shape), cmap="gray", vmin=0, vmax=1)
    axes[0, col].axis("off")
    axes[0, col].set_title("truth " + "".join(str(v) for v in truth[i].tolist()) + f", y = {int(shapes.y_test[i])}",
                           fontsize=9)
    axes[1, col].barh(range(SHAPES_K), parts[i].numpy(), color=["C0" if v > 0 else "C3" for v in parts[i]])
    axes[1, col].set_yticks(range(SHAPES_K), data.SHAPE_CONCEPTS if col == 0 else [])
    axes[1, col].axvline(0, color="black", lw=0.8)
    axes[1, col].set_xlabel("bits of log-odds for y = 1")
plt.tight_layout()
plt.show()


# %% tags=["exercise"]
def fgsm(loss, x, y, epsilon):
    """x moved by epsilon along the sign of the gradient of loss(x, y).sum(), clipped to [0, 1]."""
    raise NotImplementedError("Exercise 6.3: one signed gradient step, then clip")


# %% tags=["solution"] jupyter={"source_hidden": true}
def fgsm(loss, x, y, epsilon):
    """x moved by epsilon along the sign of the gradient of loss(x, y).sum(), clipped to [0, 1]."""
    x_ = x.detach().clone().requires_grad_(True)
    (grad,) = torch.autograd.grad(loss(x_, y).sum(), x_)
    return (x.detach() + epsilon * grad.sign()).clamp(0.0, 1.0)


# %%
fgsm = check.fgsm(fgsm)

# %%
runs = {"random sign noise": lambda loss, x, y, e: attacks.random_noise(x, e),
        "FGSM (your fgsm)": fgsm,
        "PGD, 1 sample per step": None,
        f"PGD, {TEST_SAMPLES} samples per step (EOT)": lambda loss, x, y, e: attacks.pgd(loss, x, y, e, steps=PGD_STEPS)}
one_sample = attacks.predictive_loss(linear, 1)
runs["PGD, 1 sample per step"] = lambda loss, x, y, e: attacks.pgd(one_sample, x, y, e, steps=PGD_STEPS)
torch.manual_seed(0)
started = time.perf_counter()
robust = {name: attacks.accuracy_under(linear, x_test, y_test, EPSILONS, attack, samples=TEST_SAMPLES)
          for name, attack in runs.items()}  # (epsilons, members)
print(f"{len(runs)} kinds of perturbation x {len(EPSILONS)} epsilons x {len(members)} models: "
      f"{time.perf_counter() - started:.1f} s")
groups = {("deterministic" if b == 0 else f"VIB beta = {b:g}"): betas == b for b in [0.0, *ROBUST_BETAS]}
for name, acc in robust.items():
    print(name)
    print(f"  {'epsilon':>8} | " + " | ".join(f"{g:>15}" for g in groups))
    for j, eps in enumerate(EPSILONS):
        print(f"  {eps:>8.3f} | " + " | ".join(f"{acc[j, rows].mean():>7.3f} ± {acc[j, rows].std(ddof=1):.3f}"
                                             for rows in groups.values()))
fig, axes = plt.subplots(1, len(runs), figsize=(20, 4.5), sharey=True)
for ax, (name, acc) in zip(axes, robust.items()):
    for group, rows in groups.items():
        plots.mean_and_spread(ax, EPSILONS, acc[:, rows], label=group)
    ax.set(xlabel="epsilon (L-infinity, pixel units)", title=name)
axes[0].set_ylabel("test accuracy, mean ± sd over seeds")
axes[-1].legend(fontsize=9)
plt.tight_layout()
plt.show()

# %%
discrete = data.discretise(images if IMAGES == "digits" else data.load("digits"), CLUSTERS)
pxy, centroids = discrete.pxy, discrete.centroids
h_x, i_xy = info.entropy(pxy.sum(1)), info.mutual_information(pxy)
table_accuracy = float(np.mean(pxy.argmax(1)[discrete.x_test] == discrete.y_test.numpy()))
print(f"|X| = {CLUSTERS} centroid images: H(X) = {h_x:.3f} bits, I(X;Y) = {i_xy:.3f} bits, "
      f"best test accuracy through X: {table_accuracy:.3f}")
curve = ib.ib_curve(pxy, np.geomspace(1.0, 50.0, 60))
rows = {}


def table_row(name, beta, i_xt, i_ty, acc, seconds, needs):
    rows[name] = (beta, i_xt, i_ty, acc, seconds, needs)


started = time.perf_counter()
ib_result = ib.ib_curve(pxy, [TABLE_BETA_IB])
ib_seconds = time.perf_counter() - started
ib_encoder = ib_result.encoders[0]
ib_accuracy = float(np.mean(ib.decode(pxy, ib_encoder).argmax(1)[discrete.x_test] == discrete.y_test.numpy()))
started = time.perf_counter()
dib = ib.deterministic_ib(pxy, TABLE_BETA_IB)
dib_seconds = time.perf_counter() - started
dib_accuracy = float(np.mean(ib.decode(pxy, dib.encoder).argmax(1)[discrete.x_test] == discrete.y_test.numpy()))


# %% tags=["exercise"]
def dib_step(pxy, labels, beta):
    """One DIB update: the new cluster (|X|,) of every x, given the current clusters `labels` (|X|,)."""
    raise NotImplementedError("Exercise 6.5: p(t), p(y|t), then argmax of log2 p(t) - beta KL")


# %% tags=["solution"] jupyter={"source_hidden": true}
def dib_step(pxy, labels, beta):
    """One DIB update: the new cluster (|X|,) of every x, given the current clusters `labels` (|X|,)."""
    px = pxy.sum(1)
    encoder = np.eye(len(px))[labels]  # hard p(t|x), clusters 0 .. |X| - 1
    pt = px @ encoder
    used = pt > 0
    pyt = (encoder[:, used] * px[:, None]).T @ (pxy / px[:, None]) / pt[used, None]
    score = np.log2(pt[used]) - beta * info.kl_matrix(pxy / px[:, None], pyt)
    return np.flatnonzero(used)[np.argmax(score, axis=1)]


# %%
dib_step = check.dib_step(dib_step)

# %%
labels, updates = np.arange(CLUSTERS), 0
while True:
    new = np.asarray(dib_step(pxy, labels, TABLE_BETA_IB))
    updates += 1
    if np.array_equal(new, labels):
        break
    labels = new
plain = np.eye(CLUSTERS)[labels]
plain_h, plain_i = info.entropy(pxy.sum(1) @ plain), info.mutual_information(plain.T @ pxy)
print(f"your updates from T = X stop after {updates}: {len(np.unique(labels))} clusters, H(T) = {plain_h:.3f}, "
      f"I(T;Y) = {plain_i:.3f}, objective {plain_h - TABLE_BETA_IB * plain_i:.3f} bits")
print(f"ib.deterministic_ib (with merges): {int((dib.encoder.sum(0) > 0).sum())} clusters, H(T) = {dib.h_t:.3f}, "
      f"I(T;Y) = {dib.i_ty:.3f}, objective {dib.lagrangian:.3f} bits")

# %%
x_table, y_table = centroids[discrete.x_train], discrete.y_train
vib_betas = [b for b in CURVE_BETAS_VIB for _ in SHAPES_SEEDS]
table_vib = vib.VIBEnsemble(n_pixels, n_classes, TABLE_K, HIDDEN, seeds=[500 + i for i in range(len(vib_betas))])
vib_history = training.train(table_vib, x_table, y_table, vib.classifier_objective([schedules.Constant(b) for b in vib_betas]),
                             epochs=TABLE_EPOCHS, batch_size=BATCH, lr=LR, desc="VIBs")
table_vae = vib.VAEEnsemble(n_pixels, TABLE_K, VAE_HIDDEN, seeds=[600 + s for s in SHAPES_SEEDS])
vae_table_history = training.train(table_vae, x_table, y_table,
                                   vib.autoencoder_objective([schedules.Constant(TABLE_VAE_BETA)] * len(SHAPES_SEEDS)),
                                   epochs=TABLE_EPOCHS, batch_size=BATCH, lr=LR, desc="beta-VAEs")
mine_model = mine_ib.MineIB(vib.VIBEnsemble(n_pixels, n_classes, TABLE_K, HIDDEN, seeds=[700 + s for s in SHAPES_SEEDS]),
                            neural_mi.SeparableCritic(n_pixels, TABLE_K, hidden=(64,), embed=16,
                                                      seeds=[800 + s for s in SHAPES_SEEDS]))
mine_history = training.train(mine_model, x_table, y_table,
                              mine_ib.mine_ib_objective([schedules.Constant(1 / TABLE_BETA_IB)] * len(SHAPES_SEEDS)),
                              epochs=TABLE_EPOCHS, batch_size=BATCH, lr=LR, desc="MINE-IB")
with torch.no_grad():
    measured = {name: vib.encoder_information(*model.encode(centroids.to(device)), pxy)
                for name, model in (("VIB", table_vib), ("beta-VAE", table_vae), ("MINE-IB", mine_model.vib))}
test_centroids = centroids[discrete.x_test]
vib_table_test = vib.evaluate(table_vib, test_centroids, discrete.y_test, samples=TEST_SAMPLES)
vib_table_train = vib.evaluate(table_vib, x_table, y_table, samples=TEST_SAMPLES)
mine_test = vib.evaluate(mine_model.vib, test_centroids, discrete.y_test, samples=TEST_SAMPLES)
mine_train = vib.evaluate(mine_model.vib, x_table, y_table, samples=TEST_SAMPLES)
print(f"VIB {vib_history.seconds:.1f} s, beta-VAE {vae_table_history.seconds:.1f} s, MINE-IB {mine_history.seconds:.1f} s")
for name, r in measured.items():
    print(name, np.round(r["i_zx"], 3), np.round(r["i_zy"], 3), np.round(r["i_zx_se"], 4))
print("VIB KL", np.round(vib_table_train["i_zx"], 2), "acc", np.round(1 - vib_table_test["error_S"], 3))
print("MINE KL", np.round(mine_train["i_zx"], 2), "acc", np.round(1 - mine_test["error_S"], 3),
      "critic", np.round(mine_history.metrics["critic_bound"][-1], 3))
print("IB", ib_result.i_xt, ib_result.i_ty, ib_accuracy, ib_seconds, "soft rows", np.mean(ib_encoder.max(1) < 0.99))
print("DIB", dib.h_t, dib.i_ty, dib_accuracy, dib_seconds)
fig, ax = plt.subplots(figsize=(8, 6))
plots.ib_plane(ax, curve, h_x=h_x, i_xy=i_xy, label="IB curve (annealed)", color="grey")
ax.plot(ib_result.i_xt, ib_result.i_ty, "o", ms=10, label=f"IB, beta = {TABLE_BETA_IB:g}")
ax.plot(dib.h_t, dib.i_ty, "s", ms=10, label=f"DIB, beta = {TABLE_BETA_IB:g}")
ax.scatter(measured["VIB"]["i_zx"], measured["VIB"]["i_zy"], c="C2", label="VIB (betas " + ", ".join(f"{b:g}" for b in CURVE_BETAS_VIB) + ")")
ax.scatter(measured["beta-VAE"]["i_zx"], measured["beta-VAE"]["i_zy"], c="C4", marker="^", label=f"beta-VAE, beta = {TABLE_VAE_BETA:g}")
ax.scatter(measured["MINE-IB"]["i_zx"], measured["MINE-IB"]["i_zy"], c="C3", marker="D", label="MINE-IB")
ax.legend(fontsize=9)
plt.show()
print(f"whole notebook so far: {time.perf_counter() - start_of_run:.0f} s")
