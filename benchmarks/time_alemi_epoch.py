"""Timing: one epoch of ``ibcourse.vib.alemi_recipe`` on a stand-in of MNIST's shape.

MNIST cannot be fetched where the course is tested (no network), so the paper-scale
run of notebook 04 is timed on random images of the same shape: 60000 training and
10000 test images of 784 pixels, 10 classes. The cost of an epoch does not depend on
the pixel values. The script prints the training seconds of one epoch (the VIB and its
deterministic twin, trained together as the recipe does) and the 200 epochs of the
recipe projected from it. Run it once on an idle machine:

    OMP_NUM_THREADS=1 python benchmarks/time_alemi_epoch.py [epochs]
"""

from __future__ import annotations

import os
import sys

import torch

from ibcourse import data, training, vib


def stand_in(n_train: int = 60_000, n_test: int = 10_000, seed: int = 0) -> data.ImageData:
    """Random images of MNIST's shape, pixels uniform in [0, 1], labels uniform over 10 classes."""
    gen = torch.Generator().manual_seed(seed)
    x = torch.rand(n_train + n_test, 784, generator=gen)
    y = torch.randint(0, 10, (n_train + n_test,), generator=gen)
    return data.ImageData(x[:n_train], y[:n_train], x[n_train:], y[n_train:], image_shape=(28, 28), n_classes=10,
                          source="random stand-in of MNIST's shape")


def main(epochs: int = 1) -> None:
    threads = training.configure_threads()
    device = training.default_device()
    result = vib.alemi_recipe(stand_in(), epochs=epochs)
    per_epoch = result["seconds"] / epochs
    print(f"{os.cpu_count()} CPU cores, {threads} torch thread(s), device {device}")
    print(f"one epoch of the recipe: {per_epoch:.1f} s; 200 epochs: {200 * per_epoch / 3600:.1f} h")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1)
