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
# # 5 · The information bottleneck in CNNs and transformers, measured on trained models

# %%
import matplotlib.pyplot as plt
import numpy as np
import torch

import ibcourse
from ibcourse import attention, claims, data, estimators, info, models, plots, probes, training, vib
from ibcourse.exercises import check

ibcourse.seed_everything(0)
device = training.default_device()
print("torch threads:", training.configure_threads(), "| device:", device)
plt.rcParams.update({"font.size": 11})

# %%
QUICK = ibcourse.quick_mode()
PAPER_SCALE = False  # True: MNIST (downloaded once, 11 MB), more epochs and seeds; a GPU if there is one
DATA = "mnist" if PAPER_SCALE else "digits"
BETAS = [1e-4, 1e-2, 1.0] if QUICK else list(np.geomspace(1e-4, 1, 5))  # VIB convention: CE + beta KL
SEEDS = (0, 1, 2) if PAPER_SCALE else (0, 1)  # initialisation seeds of each beta
DET_SEEDS = SEEDS  # seeds of the deterministic baselines
EPOCHS = 4 if QUICK else (20 if PAPER_SCALE else 30)
K, BATCH, LR, TEST_SAMPLES = 16, 100, 1e-3, 12
MLP_HIDDEN = (256, 256)  # the MLP VIB's encoder, as in notebook 4
CONV_CHANNELS, CONV_HIDDEN = (16, 32), (128,)  # the conv VIB: two conv blocks, then one hidden layer
# the transformer and its task
LENGTH, N_VALUES, N_MARKED = 12, 4, 2
N_TRAIN = 1000 if QUICK else (20000 if PAPER_SCALE else 3000)
N_TEST, N_PROBE = 1000, (400 if QUICK else 800)  # N_PROBE sequences: half fit the probes, half test them
WIDTH, HEADS, LAYERS = 32, 2, 3
TF_SEEDS = (0, 1) if QUICK else (0, 1, 2)
TF_EPOCHS = 3 if QUICK else (20 if PAPER_SCALE else 8)
TF_LR = 3e-3
TF_BETAS, TF_VIB_SEEDS, TF_K = [1e-2, 3e-2, 5e-2, 1e-1], (0, 1), 8

# %%
images = data.load(DATA)
x_train, y_train, x_test, y_test = images.x_train, images.y_train, images.x_test, images.y_test
labels = y_test.numpy()
n_train, log2_n = len(x_train), np.log2(len(x_train))
print(images.source)
print(f"train {tuple(x_train.shape)}, test {tuple(x_test.shape)}, images {images.image_shape}: "
      f"log2 n = {log2_n:.2f} bits")

# %%
sweeps = {}
for name, body, hidden in (
        ("MLP", None, MLP_HIDDEN),
        ("conv", lambda seeds: models.ConvEnsemble(images.image_shape, CONV_CHANNELS, seeds), CONV_HIDDEN)):
    sweeps[name] = vib.beta_sweep(x_train, y_train, x_test, y_test, n_classes=images.n_classes, betas=BETAS,
                                  seeds=SEEDS, deterministic_seeds=DET_SEEDS, k=K, hidden=hidden, body=body,
                                  epochs=EPOCHS, batch_size=BATCH, lr=LR, samples=TEST_SAMPLES,
                                  desc=f"{name} VIB sweep")
    s = sweeps[name]
    print(f"{name:>4} VIB: {len(s.betas)} models ({len(BETAS)} betas x {len(SEEDS)} seeds + {len(DET_SEEDS)} "
          f"deterministic), {s.parameters:,} parameters each, {EPOCHS} epochs: {s.history.seconds:.1f} s")

# %%
print(f"{'':>8} | {'test error, 12 samples (mean ± sd over seeds)':^45} | {'I(Z;X) bound [bits]':^21}")
print(f"{'beta':>8} | {'MLP':^21} {'conv':^21}   | {'MLP':>9} {'conv':>9}")
grid = {name: {key: s.by_beta(s.test[key] if key != "i_zx" else s.train[key]) for key in ("error_S", "i_zx")}
        for name, s in sweeps.items()}
for i, beta in enumerate(BETAS):
    errors = [f"{g['error_S'][i].mean():.3f} ± {g['error_S'][i].std(ddof=1):.3f}" for g in grid.values()]
    bounds = [f"{g['i_zx'][i].mean():8.2f}{'*' if g['i_zx'][i].mean() > log2_n else ' '}" for g in grid.values()]
    print(f"{beta:8.0e} | {errors[0]:^21} {errors[1]:^21}   | {bounds[0]} {bounds[1]}")
det_errors = {name: s.test["error_mean"][s.deterministic] for name, s in sweeps.items()}
print(f"{'determ.':>8} | " + " ".join(f"{e.mean():.3f} ± {e.std(ddof=1):.3f}".center(21) for e in det_errors.values()))
print(f"* above log2 n = {log2_n:.2f} bits: vacuous as a bound on I(Z;X)")

fig, ax = plt.subplots(figsize=(8, 5.5))
for (name, g), marker in zip(grid.items(), "os"):
    ax.errorbar(g["i_zx"].mean(1), g["error_S"].mean(1), xerr=g["i_zx"].std(1, ddof=1), yerr=g["error_S"].std(1, ddof=1),
                marker=marker, capsize=3, label=f"{name} VIB ({sweeps[name].parameters:,} parameters)")
    for beta, x, y in zip(BETAS, g["i_zx"].mean(1), g["error_S"].mean(1)):
        ax.annotate(f"{beta:.0e}", (x, y), textcoords="offset points", xytext=(4, 4), fontsize=8)
ax.set(xscale="symlog", yscale="log", xlabel="upper bound on I(Z;X): E KL on the training images [bits]",
       ylabel="test error, 12 posterior samples (fraction)",
       title="test error against the I(Z;X) bound, mean ± sd over seeds\n(labels: beta)")
plots.vacuous_beyond(ax, log2_n, axis="x", label=f"log2 n = {log2_n:.1f} bits: bound vacuous right of it")
ax.legend(fontsize=9)
plt.show()

# %% tags=["exercise"]
def rate_by_class(kl, labels, n_classes):
    """Mean KL (bits) of the inputs of each class: kl (n,), labels (n,) -> (n_classes,)."""
    raise NotImplementedError("Exercise 5.1: group the per-input rates by label and average them")


# %% tags=["solution"] jupyter={"source_hidden": true}
def rate_by_class(kl, labels, n_classes):
    """Mean KL (bits) of the inputs of each class: kl (n,), labels (n,) -> (n_classes,)."""
    kl, labels = np.asarray(kl, dtype=float), np.asarray(labels)
    return np.array([kl[labels == c].mean() for c in range(n_classes)])


# %%
rate_by_class = check.rate_by_class(rate_by_class)

# %%
conv = sweeps["conv"]
KEEP_BETAS = [BETAS[1], BETAS[-2]]  # a small and a large beta below the collapse
with torch.no_grad():
    test_mean, test_std = conv.model.encode(x_test.to(device))
    train_mean, _ = conv.model.encode(x_train.to(device))
test_kl = vib.kl_to_standard_normal(test_mean, test_std).cpu().numpy()  # (members, test images), bits
class_rates = {beta: np.stack([rate_by_class(test_kl[m], labels, images.n_classes)
                               for m in np.flatnonzero(conv.betas == beta)]) for beta in KEEP_BETAS}


def nearest_training_image(member):
    """For every test image, the index of the training image with the nearest posterior mean."""
    distances = torch.cdist(test_mean[member], train_mean[member])
    return distances.argmin(1).cpu().numpy()


same_label = {beta: np.array([np.mean(y_train.numpy()[nearest_training_image(m)] == labels)
                              for m in np.flatnonzero(conv.betas == beta)]) for beta in KEEP_BETAS}
for beta in KEEP_BETAS:
    r = class_rates[beta].mean(0)
    print(f"beta = {beta:.0e}: rate per class {np.round(r, 2)} bits; highest / lowest = {r.max() / r.min():.2f}; "
          f"nearest training image in z has the test image's label: {same_label[beta].mean():.3f}")

fig, axes = plt.subplots(1, 2, figsize=(14, 4.5), gridspec_kw={"width_ratios": [1, 1.3]})
width = 0.4
for j, beta in enumerate(KEEP_BETAS):
    r = class_rates[beta]
    axes[0].bar(np.arange(images.n_classes) + (j - 0.5) * width, r.mean(0), width, yerr=r.std(0, ddof=1), capsize=2,
                label=f"beta = {beta:.0e}")
axes[0].set(yscale="log", xticks=range(images.n_classes), xlabel="class (digit)",
            ylabel="mean KL of its test images [bits]", title="conv VIB: rate of each class\n(mean ± sd over seeds)")
axes[0].legend(fontsize=9)
shown = np.arange(6)
canvas = np.full((3 * (images.image_shape[0] + 1), len(shown) * (images.image_shape[1] + 1)), np.nan)
h, w = images.image_shape
first = {beta: int(np.flatnonzero(conv.betas == beta)[0]) for beta in KEEP_BETAS}
for col, i in enumerate(shown):
    rows = [x_test[i]] + [x_train[nearest_training_image(first[beta])[i]] for beta in KEEP_BETAS]
    for row, image in enumerate(rows):
        canvas[row * (h + 1):row * (h + 1) + h, col * (w + 1):col * (w + 1) + w] = image.reshape(h, w).numpy()
axes[1].imshow(canvas, cmap="gray_r", vmin=0, vmax=1)
axes[1].set_yticks([(h + 1) * r + h / 2 for r in range(3)],
                   ["test image"] + [f"nearest in z,\nbeta = {b:.0e}" for b in KEEP_BETAS])
axes[1].set_xticks([])
axes[1].set_title("a test image and the training image whose posterior mean is nearest (seed 0)")
plt.tight_layout()
plt.show()

# %%
tasks = {split: data.marked_sum(n, length=LENGTH, n_values=N_VALUES, n_marked=N_MARKED, seed=seed)
         for split, n, seed in (("train", N_TRAIN, 0), ("test", N_TEST, 1), ("probe", N_PROBE, 2))}
train_task, test_task, probe_task = tasks["train"], tasks["test"], tasks["probe"]
h_y = info.entropy(np.full(N_VALUES, 1 / N_VALUES))
for i in range(3):
    row = " ".join(f"[{v}]" if m else f" {v} " for v, m in zip(train_task.values[i].tolist(), train_task.marked[i].tolist()))
    print(f"{row}   ->  label {int(train_task.labels[i])}")

# %% tags=["exercise"]
def attention_entropy(weights):
    """Entropy in bits of each attention row: weights (..., L), rows summing to 1 -> (...)."""
    raise NotImplementedError("Exercise 5.2: -sum w log2 w over the last axis, with 0 log 0 = 0")


# %% tags=["solution"] jupyter={"source_hidden": true}
def attention_entropy(weights):
    """Entropy in bits of each attention row: weights (..., L), rows summing to 1 -> (...)."""
    w = torch.as_tensor(weights, dtype=torch.float64)
    return -torch.where(w > 0, w * torch.log2(w), torch.zeros_like(w)).sum(dim=-1)


# %%
attention_entropy = check.attention_entropy(attention_entropy)

# %% tags=["exercise"]
def relevant_mass(weights, relevant):
    """Attention weight on the relevant positions: weights (..., L), relevant a bool mask broadcastable to it."""
    raise NotImplementedError("Exercise 5.3: the total weight on the positions where relevant is True")


# %% tags=["solution"] jupyter={"source_hidden": true}
def relevant_mass(weights, relevant):
    """Attention weight on the relevant positions: weights (..., L), relevant a bool mask broadcastable to it."""
    return (torch.as_tensor(weights) * torch.as_tensor(relevant)).sum(dim=-1)


# %%
relevant_mass = check.relevant_mass(relevant_mass)

# %% tags=["exercise"]
def probe_bound(log_probs, labels):
    """Lower bound on I(T;Y) in bits: log_probs (n, classes) natural logs of held-out q(y|t), labels (n,)."""
    raise NotImplementedError("Exercise 5.4: H(Y) of the labels minus the held-out cross-entropy, in bits")


# %% tags=["solution"] jupyter={"source_hidden": true}
def probe_bound(log_probs, labels):
    """Lower bound on I(T;Y) in bits: log_probs (n, classes) natural logs of held-out q(y|t), labels (n,)."""
    log_probs, labels = np.asarray(log_probs), np.asarray(labels)
    frequencies = np.bincount(labels, minlength=log_probs.shape[1]) / len(labels)
    h_y = -np.sum(frequencies[frequencies > 0] * np.log2(frequencies[frequencies > 0]))
    cross_entropy = -log_probs[np.arange(len(labels)), labels].mean() / np.log(2)
    return h_y - cross_entropy


# %%
probe_bound = check.probe_bound(probe_bound)

# %%
relevant = torch.cat([torch.zeros(N_PROBE, 1, dtype=torch.bool), probe_task.marked], dim=1)  # CLS is not relevant
half = N_PROBE // 2
TARGETS = {"label Y": probe_task.labels.numpy(), "distractor D": probe_task.distractor.numpy()}
record = {}


def measure(epoch, model):
    """Attention of the CLS query, and probes of the CLS vector after every block, on the probe sequences."""
    with torch.no_grad():
        inside = model.body.inside(probe_task.tokens.to(device))
    cls_attention = inside["attention"][:, :, :, :, 0].cpu()  # (members, layers, sequences, heads, positions)
    cls_states = inside["states"][:, 1:, :, 0].cpu().numpy()  # (members, layers, sequences, width)
    record[epoch] = {
        "entropy": np.asarray(attention_entropy(cls_attention)).mean(2),  # (members, layers, heads), bits
        "mass": np.asarray(relevant_mass(cls_attention, relevant[:, None])).mean(2),
        **{target: np.array([[probes.probe_information(s[:half], y[:half], s[half:], y[half:], bound=probe_bound)
                              for s in member] for member in cls_states]) for target, y in TARGETS.items()}}
    if epoch == 0 or epoch == TF_EPOCHS:
        record[epoch]["states"], record[epoch]["attention"] = cls_states, cls_attention.numpy()


transformers = vib.beta_sweep(train_task.tokens, train_task.labels, test_task.tokens, test_task.labels,
                              n_classes=N_VALUES, betas=[], seeds=[], deterministic_seeds=TF_SEEDS, k=TF_K,
                              body=lambda seeds: models.TransformerEnsemble(train_task.vocab, LENGTH, WIDTH, HEADS,
                                                                            LAYERS, seeds),
                              epochs=TF_EPOCHS, batch_size=BATCH, lr=TF_LR, samples=1, on_epoch=measure,
                              desc="transformers")
tf_error = transformers.test["error_mean"]
print(f"{len(TF_SEEDS)} transformers ({LAYERS} blocks, {HEADS} heads, width {WIDTH}), {transformers.parameters:,} "
      f"parameters each, {TF_EPOCHS} epochs on {N_TRAIN} sequences: {transformers.history.seconds:.1f} s "
      f"(+ {transformers.history.callback_seconds:.1f} s measuring)")
print("test error of each seed:", np.round(tf_error, 3))

# %%
epochs = np.array(sorted(record))
max_entropy = np.log2(LENGTH + 1)
uniform_mass = N_MARKED / (LENGTH + 1)
entropy = np.stack([record[e]["entropy"] for e in epochs])  # (epochs, seeds, layers, heads)
mass = np.stack([record[e]["mass"] for e in epochs])
print(f"CLS query, mean over the {N_PROBE} probe sequences; max entropy log2 {LENGTH + 1} = {max_entropy:.2f} bits, "
      f"uniform mass {uniform_mass:.2f}")
print(f"{'':>15}{'entropy [bits]':^24}{'relevant mass':^24}")
print(f"{'block, head':>15}{'before':>12}{'after':>12}{'before':>12}{'after':>12}   (mean ± sd over seeds)")
for layer in range(LAYERS):
    for head in range(HEADS):
        cells = [f"{v[i, :, layer, head].mean():5.2f}±{v[i, :, layer, head].std(ddof=1):4.2f}"
                 for v in (entropy, mass) for i in (0, -1)]
        print(f"{f'{layer + 1}, {head + 1}':>15}" + "".join(f"{c:>12}" for c in cells))

fig, axes = plt.subplots(1, 2, figsize=(14, 4.5))
for ax, values, ylabel, reference, ref_label in (
        (axes[0], entropy, "attention entropy of the CLS query [bits]", max_entropy, f"log2 {LENGTH + 1}: uniform"),
        (axes[1], mass, "attention mass on the marked positions", uniform_mass, "uniform attention")):
    for layer in range(LAYERS):
        for head in range(HEADS):
            plots.mean_and_spread(ax, epochs, values[:, :, layer, head], label=f"block {layer + 1}, head {head + 1}",
                                  color=f"C{layer}", ls="-" if head == 0 else "--")
    ax.axhline(reference, color="grey", ls=":", label=ref_label)
    ax.set(xlabel="epoch", ylabel=ylabel, title="through training, mean ± sd over seeds")
axes[0].legend(fontsize=8, ncol=2)
plt.tight_layout()
plt.show()

# %%
seq = 0
fig, axes = plt.subplots(2, LAYERS, figsize=(4.2 * LAYERS, 4.5), sharey=True)
for row, epoch in enumerate((0, TF_EPOCHS)):
    for layer in range(LAYERS):
        ax = axes[row, layer]
        image = ax.imshow(record[epoch]["attention"][0, layer, seq], aspect="auto", cmap="viridis", vmin=0, vmax=1)
        ax.set_xticks(range(LENGTH + 1), ["CLS"] + [f"[{v}]" if m else str(v) for v, m in
                                                     zip(probe_task.values[seq].tolist(), probe_task.marked[seq].tolist())],
                      fontsize=7)
        ax.set_yticks(range(HEADS), [f"head {h + 1}" for h in range(HEADS)])
        ax.set_title(f"{'before' if epoch == 0 else 'after'} training, block {layer + 1}", fontsize=10)
fig.colorbar(image, ax=axes, label="attention weight of the CLS query")
fig.suptitle(f"seed {TF_SEEDS[0]}, probe sequence {seq} (label {int(probe_task.labels[seq])}); marked values in brackets")
plt.show()

# %%
exact = {epoch: np.array([[estimators.exact_information(s, TARGETS["label Y"]).i_xt for s in member]
                          for member in record[epoch]["states"]]) for epoch in (0, TF_EPOCHS)}
print(f"exact I(X;T) = H(T) of the CLS vector, every block and seed: before {exact[0].min():.3f} to "
      f"{exact[0].max():.3f} bits, after {exact[TF_EPOCHS].min():.3f} to {exact[TF_EPOCHS].max():.3f} bits; "
      f"log2 {N_PROBE} = {np.log2(N_PROBE):.3f}")
probe = {target: np.stack([record[e][target] for e in epochs]) for target in TARGETS}  # (epochs, seeds, layers)
print(f"linear-probe lower bounds (bits, held-out, {half} sequences), mean ± sd over seeds; H(Y) = H(D) = {h_y:.2f}")
print(f"{'block':>6}" + "".join(f"{f'{t}, {w}':>20}" for t in TARGETS for w in ("before", "after")))
for layer in range(LAYERS):
    print(f"{layer + 1:>6}" + "".join(f"{probe[t][i, :, layer].mean():>13.2f} ± {probe[t][i, :, layer].std(ddof=1):4.2f}"
                                     for t in TARGETS for i in (0, -1)))

fig, axes = plt.subplots(1, 3, figsize=(17, 4.5))
for target, style in zip(TARGETS, ("-", "--")):
    for i, when in ((0, "before"), (-1, "after")):
        plots.mean_and_spread(axes[0], np.arange(1, LAYERS + 1), probe[target][i].T, label=f"{target}, {when}",
                              ls=style, color="C0" if i == 0 else "C3")
axes[0].axhline(h_y, color="grey", ls=":", label="H(Y) = H(D)")
axes[0].set(xlabel="block (depth)", xticks=range(1, LAYERS + 1), ylabel="probe's lower bound [bits]",
            title="what the CLS vector carries, by depth")
axes[0].legend(fontsize=8)
for ax, target in zip(axes[1:], TARGETS):
    for layer in range(LAYERS):
        plots.mean_and_spread(ax, epochs, probe[target][:, :, layer], label=f"block {layer + 1}", color=f"C{layer}")
    ax.axhline(h_y, color="grey", ls=":", label=f"H = {h_y:.0f} bits")
    ax.set(xlabel="epoch", ylabel="probe's lower bound [bits]", title=f"I(T;{target.split()[-1]}) bound through training")
    ax.legend(fontsize=8)
plt.tight_layout()
plt.show()

# %%
tf_vib = vib.beta_sweep(train_task.tokens, train_task.labels, test_task.tokens, test_task.labels,
                        n_classes=N_VALUES, betas=TF_BETAS, seeds=TF_VIB_SEEDS, deterministic_seeds=[], k=TF_K,
                        body=lambda seeds: models.TransformerEnsemble(train_task.vocab, LENGTH, WIDTH, HEADS,
                                                                      LAYERS, seeds),
                        epochs=TF_EPOCHS, batch_size=BATCH, lr=TF_LR, samples=TEST_SAMPLES, desc="transformer VIBs")
log2_n_seq = np.log2(N_TRAIN)
tf_rate, tf_err = tf_vib.by_beta(tf_vib.train["i_zx"]), tf_vib.by_beta(tf_vib.test["error_S"])
print(f"{len(tf_vib.betas)} transformer VIBs, {tf_vib.history.seconds:.1f} s; log2 n = {log2_n_seq:.2f} bits")
for i, beta in enumerate(TF_BETAS):
    print(f"beta = {beta:.0e}: test error {tf_err[i].mean():.3f} ± {tf_err[i].std(ddof=1):.3f}, "
          f"I(Z;X) bound {tf_rate[i].mean():.2f} ± {tf_rate[i].std(ddof=1):.2f} bits")
