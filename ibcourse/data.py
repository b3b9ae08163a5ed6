"""Data sets of the course.

``szt_12bit``  the 12-bit task of Shwartz-Ziv & Tishby (2017), generated exactly
``marked_sum`` sequences whose label is the sum of a few marked tokens (a transformer task)
``shapes``     small binary images of squares and discs whose generative factors are known
``load``       image classification data: "digits" (offline, the default) or "mnist"
``discretise`` image data turned into a discrete X (k-means clusters) with its joint table p(x, y)
``download``   the one function that fetches a file (with pooch): cached, SHA-256 verified, with a
               timeout and a progress bar
"""

from __future__ import annotations

import gzip
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from ibcourse import validate

#: The 12 unit vertices of the icosahedron, one per input bit (bit 0 first).
_PHI = (1 + 5 ** 0.5) / 2
_A = 1 / np.sqrt(1 + _PHI ** 2)
_B = _PHI * _A
ICOSAHEDRON = np.array([
    (0, -_A, -_B), (-_A, -_B, 0), (0, -_A, _B), (_A, -_B, 0), (-_B, 0, _A), (0, _A, -_B),
    (-_A, _B, 0), (_A, _B, 0), (_B, 0, _A), (0, _A, _B), (_B, 0, -_A), (-_B, 0, -_A),
])


def szt_12bit() -> tuple[np.ndarray, np.ndarray]:
    """The binary task of Shwartz-Ziv & Tishby (2017), "Opening the black box of DNNs".

    X holds all 2**12 = 4096 patterns of 12 bits in binary counting order (bit 0, the
    first column, is the most significant). The label is a function of the pattern
    that is invariant under the rotations of the icosahedron: with p_i the unit
    vertex assigned to bit i and w the number of ones,

        y = 1  iff  ||sum_i x_i p_i||**2 + 7 w - 0.36 w**2 > 31.81.

    This rule reproduces the 4096 labels of the authors' data file (2118 positive):
    the labels are generated, not downloaded. Every pattern occurs once, so with X
    uniform, I(X;T) of a deterministic layer T = f(X) is H(T).

    Returns
    -------
    X : numpy.ndarray, float32, shape (4096, 12), entries 0 or 1
    y : numpy.ndarray, int64, shape (4096,), entries 0 or 1
    """
    codes = np.arange(2 ** 12)
    X = ((codes[:, None] >> np.arange(11, -1, -1)) & 1).astype(np.float32)
    ones = X.sum(axis=1)
    score = np.sum((X @ ICOSAHEDRON) ** 2, axis=1) + 7 * ones - 0.36 * ones ** 2
    return X, (score > 31.81).astype(np.int64)


# ----------------------------------------------------------------------------
# A sequence task where we know which positions matter
# ----------------------------------------------------------------------------
@dataclass(frozen=True)
class MarkedSequences:
    """Sequences of ``marked_sum``, as tensors, with what generated them.

    ``tokens``    int64 (n, length): token ids, value + n_values * marked (0 .. 2 n_values - 1)
    ``values``    int64 (n, length): the value at each position, 0 .. n_values - 1
    ``marked``    bool (n, length): the marked positions (``n_marked`` per sequence)
    ``labels``    int64 (n,): the sum of the marked values modulo ``n_values``
    ``distractor`` int64 (n,): the value at the first unmarked position, independent of the label
    """

    tokens: torch.Tensor
    values: torch.Tensor
    marked: torch.Tensor
    labels: torch.Tensor
    distractor: torch.Tensor
    n_values: int

    @property
    def vocab(self) -> int:
        """Number of token ids: a value, marked or not."""
        return 2 * self.n_values


def marked_sum(n: int, *, length: int = 12, n_values: int = 4, n_marked: int = 2, seed: int = 0) -> MarkedSequences:
    """A synthetic sequence task in which the label depends on a few marked positions only.

    Every position holds a value drawn uniformly from 0 .. n_values - 1; ``n_marked``
    positions, drawn uniformly without replacement, are marked, and the label is the
    sum of the marked values modulo ``n_values``. A token shows both the value and the
    mark (id = value + n_values * mark). The other ``length - n_marked`` positions are
    distractors: the label does not depend on them. Since the values are independent,
    I(Y; X) = H(Y) = log2 n_values bits, all of it carried by the marked positions, and
    the value at the first unmarked position (``distractor``) is independent of Y.

    Parameters
    ----------
    n : int
        Number of sequences (>= 1).
    length, n_values, n_marked : int
        Positions per sequence; values per position (>= 2); marked positions (1 .. length - 1).
    seed : int
        Seeds a private generator: the same arguments give the same sequences.
    """
    n, length = validate.count(n, "n"), validate.count(length, "length", minimum=2)
    n_values = validate.count(n_values, "n_values", minimum=2)
    n_marked = validate.count(n_marked, "n_marked", maximum=length - 1)
    rng = np.random.default_rng(validate.seed(seed))
    values = rng.integers(0, n_values, size=(n, length))
    positions = np.argsort(rng.random((n, length)), axis=1)[:, :n_marked]
    marked = np.zeros((n, length), dtype=bool)
    np.put_along_axis(marked, positions, True, axis=1)
    labels = (values * marked).sum(axis=1) % n_values
    distractor = values[np.arange(n), np.argmin(marked, axis=1)]
    as_tensor = lambda a: torch.from_numpy(np.ascontiguousarray(a))  # noqa: E731
    return MarkedSequences(as_tensor(values + n_values * marked), as_tensor(values), as_tensor(marked),
                           as_tensor(labels), as_tensor(distractor), n_values)


# Shapes with known generative factors
# ----------------------------------------------------------------------------
#: The generative factors of ``shapes``, in the order of the columns of ``factors_*``, with their values.
SHAPE_FACTORS = {"shape": ("square", "disc"), "size": ("small", "large"), "x position": tuple(range(8)),
                 "y position": tuple(range(8))}
#: The named binary concepts of ``shapes``, in the order of the columns of ``concepts_*``.
SHAPE_CONCEPTS = ("disc", "large", "right half", "lower half")


@dataclass(frozen=True)
class ShapesData:
    """Binary images with the factors that generated them, the concepts named after the factors, and a label.

    ``x_*``: float32 (n, side * side), pixels 0 or 1, row by row. ``factors_*``: int64 (n, 4), one
    column per entry of ``SHAPE_FACTORS`` (shape, size, x position, y position), each an index
    into that factor's values. ``concepts_*``: int64 (n, 4), 0/1, the concepts of
    ``SHAPE_CONCEPTS``: disc (shape is a disc), large, right half (x position >= 4), lower half
    (y position >= 4). ``y_*``: int64 (n,), the label 1 when at least two of disc, large and
    right half hold (the lower half plays no part in it).
    """

    x_train: torch.Tensor
    factors_train: torch.Tensor
    concepts_train: torch.Tensor
    y_train: torch.Tensor
    x_test: torch.Tensor
    factors_test: torch.Tensor
    concepts_test: torch.Tensor
    y_test: torch.Tensor
    image_shape: tuple[int, int]
    flip: float


def _draw_shapes(factors: np.ndarray, side: int, flip: float, rng: np.random.Generator) -> np.ndarray:
    """Images (n, side * side) for factor rows (shape, size, x, y); each pixel then flipped with probability flip."""
    half = np.where(factors[:, 1] == 1, 4, 2)  # half-width: a 9 x 9 or a 5 x 5 square
    centre_x, centre_y = factors[:, 2] + 4, factors[:, 3] + 4  # 8 positions, 4 .. 11, so every shape fits
    grid = np.arange(side)
    dx = grid[None, None, :] - centre_x[:, None, None]
    dy = grid[None, :, None] - centre_y[:, None, None]
    limit = half[:, None, None]
    square = (np.abs(dx) <= limit) & (np.abs(dy) <= limit)
    disc = dx ** 2 + dy ** 2 <= (limit + 0.5) ** 2
    images = np.where((factors[:, 0] == 1)[:, None, None], disc, square)
    images ^= rng.random(images.shape) < flip
    return images.reshape(len(factors), -1).astype(np.float32)


def shapes(n_train: int = 2000, n_test: int = 1000, *, side: int = 16, flip: float = 0.02, seed: int = 0
           ) -> ShapesData:
    """Squares and discs on a ``side`` x ``side`` grid, with every generative factor known.

    Each image draws its four factors independently and uniformly (``SHAPE_FACTORS``): the
    shape (square or disc), the size (half-width 2 or 4 pixels: 5 or 9 pixels across), and
    the centre's column and row (8 positions each, 4 .. 11). It is drawn in white on black,
    then each pixel is flipped with probability ``flip`` (noise, so that no two images need
    be equal). Training and test images are independent draws. Generated from ``seed``:
    nothing is downloaded.

    Parameters
    ----------
    n_train, n_test : int
        Images in each split (>= 1).
    side : int
        Image side in pixels, >= 16 (the largest shape at the outermost position fits in 16).
    flip : float
        Probability in [0, 0.5) that a pixel is flipped.
    seed : int

    Returns
    -------
    ShapesData
    """
    n_train, n_test = validate.count(n_train, "n_train"), validate.count(n_test, "n_test")
    side = validate.count(side, "side", minimum=16)
    flip = validate.number(flip, "flip", low=0, high=0.5, high_open=True)
    rng = np.random.default_rng(validate.seed(seed))
    levels = np.array([len(values) for values in SHAPE_FACTORS.values()])
    splits = []
    for n in (n_train, n_test):
        factors = (rng.random((n, len(levels))) * levels).astype(np.int64)
        concepts = np.stack([factors[:, 0] == 1, factors[:, 1] == 1, factors[:, 2] >= 4, factors[:, 3] >= 4],
                            axis=1).astype(np.int64)
        label = (concepts[:, :3].sum(axis=1) >= 2).astype(np.int64)
        splits += [torch.from_numpy(a) for a in (_draw_shapes(factors, side, flip, rng), factors, concepts, label)]
    return ShapesData(*splits, image_shape=(side, side), flip=flip)


# ----------------------------------------------------------------------------
# Image classification data
# ----------------------------------------------------------------------------
class DataUnavailable(RuntimeError):
    """A data set could not be fetched (no network, a server error, or a bad checksum)."""


@dataclass(frozen=True)
class ImageData:
    """A classification data set as tensors, with where it came from.

    ``x_*``: float32 (n, pixels) with values in [0, 1], images flattened row by row;
    ``y_*``: int64 (n,) class labels 0 .. n_classes - 1.

    Checked on construction: ``ValueError``/``TypeError`` naming the field if the sizes
    disagree, a label is not an integer in range, or a pixel value is NaN or outside [0, 1].
    """

    x_train: torch.Tensor
    y_train: torch.Tensor
    x_test: torch.Tensor
    y_test: torch.Tensor
    image_shape: tuple[int, int]
    n_classes: int
    source: str

    def __post_init__(self):
        classes = validate.count(self.n_classes, "n_classes", minimum=2)
        shape = validate.counts(self.image_shape, "image_shape")
        pixels = int(np.prod(shape))
        for split in ("train", "test"):
            x = validate.tensor(getattr(self, f"x_{split}"), f"x_{split}")
            if x.ndim != 2 or x.shape[1] != pixels or len(x) == 0:
                raise ValueError(f"x_{split} must have shape (n >= 1, {pixels}) for image_shape {tuple(shape)}, "
                                 f"got {tuple(x.shape)}")
            validate.unit_interval(x, f"x_{split}")
            y = validate.class_labels(getattr(self, f"y_{split}"), classes, f"y_{split}")
            if y.shape != (len(x),):
                raise ValueError(f"y_{split} must have shape ({len(x)},) to match x_{split}, got {tuple(y.shape)}")


def digits(*, test_fraction: float = 0.25, seed: int = 0) -> ImageData:
    """scikit-learn's bundled handwritten digits: 1797 images of 8 x 8 pixels, 10 classes. Offline.

    Pixel values 0..16 are divided by 16. The split is stratified by class and fixed
    by ``seed`` (the default split is the course's: 1347 training, 450 test images).
    ``test_fraction`` must leave at least one image per class (10) on each side.
    """
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    test_fraction = validate.number(test_fraction, "test_fraction", low=0, high=1, low_open=True, high_open=True)
    seed = validate.seed(seed)
    bunch = load_digits()
    n_test = int(np.ceil(test_fraction * len(bunch.target)))
    if not 10 <= n_test <= len(bunch.target) - 10:
        raise ValueError(f"test_fraction={test_fraction:g} gives {n_test} test images of {len(bunch.target)}; "
                         "a stratified split needs at least 10 (one per class) on each side")
    x = (bunch.data / 16.0).astype(np.float32)
    y = bunch.target.astype(np.int64)
    x_train, x_test, y_train, y_test = train_test_split(x, y, test_size=test_fraction, random_state=seed, stratify=y)
    return ImageData(*(torch.from_numpy(a) for a in (x_train, y_train, x_test, y_test)), image_shape=(8, 8),
                     n_classes=10, source="scikit-learn digits (bundled, 8x8), stratified split")


@dataclass(frozen=True)
class DiscreteImages:
    """Images replaced by the nearest of a few centroid images: a discrete X with a known joint p(x, y).

    ``centroids``: float32 (|X|, pixels), the images X takes (k-means centres, rounded to the
    grey levels of the data). ``x_train``, ``x_test``: int64 (n,), the value of X (a row of
    ``centroids``) of every image. ``y_train``, ``y_test``: labels. ``pxy``: float64 (|X|, |Y|),
    the joint frequencies of X and Y in the training set.
    """

    centroids: torch.Tensor
    x_train: torch.Tensor
    y_train: torch.Tensor
    x_test: torch.Tensor
    y_test: torch.Tensor
    pxy: np.ndarray


def discretise(images: ImageData, clusters: int, *, levels: int = 17, seed: int = 0) -> DiscreteImages:
    """Cluster the training images with k-means and replace every image by its cluster.

    The ``clusters`` centres are fitted on the training images (scikit-learn's KMeans, 4
    restarts, seeded) and rounded to the grid k / (levels - 1), so that they are images of the
    same kind (the digits have 17 grey levels). Every training and test image is then
    assigned to the nearest rounded centre. The training pairs (cluster, label) give p(x, y).

    Raises ValueError when two rounded centres coincide or a centre gets no training image.
    """
    from sklearn.cluster import KMeans

    if not isinstance(images, ImageData):
        raise TypeError(f"images must be a data.ImageData (e.g. data.load('digits')), got {type(images).__name__}")
    clusters = validate.count(clusters, "clusters", minimum=2, maximum=len(images.x_train))
    levels = validate.count(levels, "levels", minimum=2)
    fitted = KMeans(clusters, n_init=4, random_state=validate.seed(seed)).fit(images.x_train.numpy())
    centroids = np.round(fitted.cluster_centers_ * (levels - 1)) / (levels - 1)
    if len(np.unique(centroids, axis=0)) < clusters:
        raise ValueError(f"clusters={clusters}: two centres coincide once rounded to {levels} levels; use fewer")

    def nearest(x):
        return ((x.numpy()[:, None, :] - centroids[None]) ** 2).sum(-1).argmin(1)

    x_train, x_test = nearest(images.x_train), nearest(images.x_test)
    pxy = np.zeros((clusters, images.n_classes))
    np.add.at(pxy, (x_train, images.y_train.numpy()), 1.0)
    if np.any(pxy.sum(1) == 0):
        raise ValueError(f"clusters={clusters}: a centre is nearest to no training image once rounded; use fewer")
    return DiscreteImages(torch.from_numpy(centroids.astype(np.float32)), torch.from_numpy(x_train), images.y_train,
                          torch.from_numpy(x_test), images.y_test, pxy / pxy.sum())


#: The four MNIST files, with the SHA-256 digests TensorFlow Datasets publishes for them.
MNIST_URL = "https://storage.googleapis.com/cvdf-datasets/mnist/"
MNIST_FILES = {
    "train-images-idx3-ubyte.gz": "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609",
    "train-labels-idx1-ubyte.gz": "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c",
    "t10k-images-idx3-ubyte.gz": "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6",
    "t10k-labels-idx1-ubyte.gz": "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6",
}


def cache_dir() -> Path:
    """Where downloads are kept: ``$IBCOURSE_DATA``, else ``~/.cache/ibcourse``."""
    return Path(os.environ.get("IBCOURSE_DATA") or Path.home() / ".cache" / "ibcourse")


def download(url: str, sha256: str, path: str | Path, *, timeout: float = 20.0, progress: bool = True) -> Path:
    """Fetch ``url`` to ``path`` unless a file with the right SHA-256 is already there, with pooch.

    ``pooch.retrieve`` does the work: it streams the file to a temporary name beside
    ``path`` (with a progress bar unless ``progress=False``) and moves it into place only
    when its SHA-256 matches, so a cached file is always a verified one; a cached file
    with another SHA-256 (corrupt, truncated, stale) is fetched again. ``timeout``
    (seconds) bounds every network wait, so an offline machine fails instead of hanging.

    Parameters
    ----------
    url : str
        An http:// or https:// address.
    sha256 : str
        The expected SHA-256 digest, 64 hexadecimal digits.
    path : str or pathlib.Path
        Where the verified file is kept.
    timeout : float
        Seconds, > 0.
    progress : bool
        Show pooch's progress bar (bytes) while downloading.

    Raises
    ------
    DataUnavailable
        The network or server failed, or the downloaded bytes have another SHA-256.
    TypeError, ValueError
        ``url`` is not an http(s) address, ``sha256`` not 64 hexadecimal digits, ``timeout``
        not a positive number, ``path`` not a path.
    """
    import pooch
    import requests

    if not isinstance(url, str):
        raise TypeError(f"url must be a string, got {url!r}")
    if not url.startswith(("http://", "https://")):
        raise ValueError(f"url must be an http:// or https:// address, got {url!r}")
    if not (isinstance(sha256, str) and len(sha256) == 64 and all(c in "0123456789abcdefABCDEF" for c in sha256)):
        raise ValueError(f"sha256 must be 64 hexadecimal digits, got {sha256!r}")
    timeout = validate.number(timeout, "timeout", low=0, low_open=True)
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"path must be a str or a pathlib.Path, got {path!r}")
    if not isinstance(progress, (bool, np.bool_)):
        raise TypeError(f"progress must be a bool, got {progress!r}")
    path = Path(path)
    try:
        fetched = pooch.retrieve(url, known_hash=f"sha256:{sha256.lower()}", fname=path.name, path=path.parent,
                                 downloader=pooch.HTTPDownloader(progressbar=bool(progress), timeout=timeout))
    except ValueError as err:  # pooch: the downloaded bytes have another hash; it deleted them
        raise DataUnavailable(f"{url}: SHA-256 mismatch, the file was not kept ({err})") from err
    except (requests.exceptions.RequestException, OSError) as err:
        raise DataUnavailable(f"could not download {url}: {err}") from err
    return Path(fetched)


def _read_idx(path: Path) -> np.ndarray:
    """An IDX array (the MNIST file format) from a gzip file."""
    with gzip.open(path, "rb") as f:
        raw = f.read()
    dims = raw[3]
    shape = tuple(int.from_bytes(raw[4 + 4 * i: 8 + 4 * i], "big") for i in range(dims))
    return np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * dims).reshape(shape)


def mnist(*, timeout: float = 20.0) -> ImageData:
    """MNIST: 60 000 training and 10 000 test images of 28 x 28 pixels, downloaded once and cached.

    The files (11 MB) go through ``download`` into ``cache_dir()``, checked against
    fixed SHA-256 digests. Needs the network the first time only.

    Raises
    ------
    DataUnavailable
        Offline (or the server fails) on the first use; the message names the offline default.
    """
    timeout = validate.number(timeout, "timeout", low=0, low_open=True)
    try:
        paths = {name: download(MNIST_URL + name, digest, cache_dir() / "mnist" / name, timeout=timeout)
                 for name, digest in MNIST_FILES.items()}
    except DataUnavailable as err:
        raise DataUnavailable(f"MNIST is not available ({err}). Without the network, use the offline default: "
                              "ibcourse.data.load('digits'), the 8x8 digits that ship with scikit-learn.") from err
    arrays = {name.split("-idx")[0]: _read_idx(path) for name, path in paths.items()}
    x = {split: torch.from_numpy(arrays[f"{split}-images"].reshape(-1, 784).astype(np.float32) / 255.0)
         for split in ("train", "t10k")}
    y = {split: torch.from_numpy(arrays[f"{split}-labels"].astype(np.int64)) for split in ("train", "t10k")}
    return ImageData(x["train"], y["train"], x["t10k"], y["t10k"], image_shape=(28, 28), n_classes=10,
                     source=f"MNIST (downloaded once, cached in {cache_dir() / 'mnist'})")


def load(name: str = "digits", **options) -> ImageData:
    """Image classification data by name: ``"digits"`` (offline, the course's default) or ``"mnist"``."""
    loaders = {"digits": digits, "mnist": mnist}
    if not isinstance(name, str) or name not in loaders:
        raise ValueError(f"unknown data set name={name!r}; expected one of {sorted(loaders)}")
    return loaders[name](**options)
