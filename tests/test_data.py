import gzip
import hashlib
from pathlib import Path

import numpy as np
import pytest
import requests
import torch

from ibcourse import data


def test_szt_12bit_facts():
    X, y = data.szt_12bit()
    assert X.shape == (4096, 12) and X.dtype == np.float32
    assert y.shape == (4096,) and y.dtype == np.int64
    assert set(np.unique(X)) == {0.0, 1.0}
    assert len(np.unique(X, axis=0)) == 4096
    assert int(y.sum()) == 2118
    ones = X.sum(axis=1)
    assert np.all(y[ones <= 4] == 0) and np.all(y[ones >= 8] == 1)


def test_szt_12bit_counting_order_msb_first():
    X, _ = data.szt_12bit()
    assert np.array_equal(X[1], np.eye(12)[11]) and np.array_equal(X[2048], np.eye(12)[0])
    assert np.array_equal(X @ (2 ** np.arange(11, -1, -1)), np.arange(4096))


def test_szt_12bit_label_invariant_under_a_symmetry():
    # the 5-fold rotation about vertex 0 permutes the vertices; labels must not change
    X, y = data.szt_12bit()
    p = data.ICOSAHEDRON
    axis = p[0]
    angle = 2 * np.pi / 5
    k = np.array([[0, -axis[2], axis[1]], [axis[2], 0, -axis[0]], [-axis[1], axis[0], 0]])
    rotation = np.eye(3) + np.sin(angle) * k + (1 - np.cos(angle)) * k @ k
    perm = np.array([np.argmin(np.linalg.norm(p - rotation @ v, axis=1)) for v in p])
    assert sorted(perm) == list(range(12)) and not np.array_equal(perm, np.arange(12))
    moved = np.zeros_like(X)
    moved[:, perm] = X
    index = moved @ (2 ** np.arange(11, -1, -1))
    assert np.array_equal(y[index.astype(int)], y)


def test_szt_12bit_is_deterministic():
    assert all(np.array_equal(a, b) for a, b in zip(data.szt_12bit(), data.szt_12bit()))


# ----------------------------------------------------------------------------
# image data and downloads (nothing here touches the network)
# ----------------------------------------------------------------------------


def test_digits_shapes_types_ranges_and_stratified_split():
    d = data.load("digits")
    assert d.x_train.shape == (1347, 64) and d.x_test.shape == (450, 64)
    assert d.x_train.dtype == torch.float32 and d.y_train.dtype == torch.int64
    assert float(d.x_train.min()) == 0.0 and float(d.x_train.max()) == 1.0
    assert d.image_shape == (8, 8) and d.n_classes == 10 and "digits" in d.source
    train_share = torch.bincount(d.y_train) / len(d.y_train)
    test_share = torch.bincount(d.y_test) / len(d.y_test)
    assert torch.allclose(train_share, test_share, atol=0.01)


def test_digits_split_is_fixed_by_the_seed():
    a, b, c = data.digits(), data.digits(), data.digits(seed=1)
    assert torch.equal(a.x_train, b.x_train) and torch.equal(a.y_test, b.y_test)
    assert not torch.equal(a.x_train, c.x_train)
    with pytest.raises(ValueError, match="test_fraction"):
        data.digits(test_fraction=1.5)
    with pytest.raises(ValueError, match="unknown data set"):
        data.load("cifar")


class _Response:
    """What pooch's HTTPDownloader reads from ``requests.get``: a status, the headers, the bytes in chunks."""

    def __init__(self, body: bytes):
        self.body, self.headers = body, {"content-length": str(len(body))}

    def raise_for_status(self):
        return None

    def iter_content(self, chunk_size):
        return (self.body[i:i + chunk_size] for i in range(0, len(self.body), chunk_size))


@pytest.fixture
def served(monkeypatch):
    """A fake web server: ``served[url] = bytes`` makes ``requests.get(url)`` return them; nothing reaches
    the network. ``served.calls`` lists the URLs fetched; every call must bound its wait."""

    class Server(dict):
        calls: list

    server = Server()
    server.calls = []

    def get(url, timeout=None, **kwargs):
        assert timeout is not None and timeout <= 60, "every network wait must be bounded"
        server.calls.append(url)
        if url not in server:
            raise requests.exceptions.ConnectionError("network is unreachable")
        return _Response(server[url])

    monkeypatch.setattr(requests, "get", get)
    return server


URL = "https://example.org/tiny.bin"
TINY = b"information bottleneck\n" * 10
TINY_SHA = hashlib.sha256(TINY).hexdigest()


def test_download_verifies_and_caches(tmp_path, served, capsys):
    served[URL] = TINY
    target = tmp_path / "cache" / "tiny.bin"
    assert data.download(URL, TINY_SHA, target) == target
    assert target.read_bytes() == TINY and served.calls == [URL]
    assert "B/" in capsys.readouterr().err, "a progress bar in bytes is shown"
    del served[URL]  # the cached copy is used from now on
    assert data.download(URL, TINY_SHA.upper(), target) == target and served.calls == [URL]


def test_download_rejects_a_wrong_checksum_and_keeps_nothing(tmp_path, served):
    served[URL] = TINY
    target = tmp_path / "cache" / "tiny.bin"
    with pytest.raises(data.DataUnavailable, match="SHA-256"):
        data.download(URL, "0" * 64, target, progress=False)
    assert not target.exists() and not list(target.parent.iterdir())


def test_download_replaces_a_corrupt_cached_file(tmp_path, served):
    served[URL] = TINY
    target = tmp_path / "cache" / "tiny.bin"
    target.parent.mkdir()
    target.write_bytes(b"truncated")
    data.download(URL, TINY_SHA, target, progress=False)
    assert target.read_bytes() == TINY and served.calls == [URL]


@pytest.mark.parametrize("call, error, name", [
    (lambda t: data.download(Path(t).as_uri(), TINY_SHA, t), ValueError, "url"),
    (lambda t: data.download(URL, "abc", t), ValueError, "sha256"),
    (lambda t: data.download(URL, TINY_SHA, t, timeout=0), ValueError, "timeout"),
    (lambda t: data.download(URL, TINY_SHA, 3), TypeError, "path"),
    (lambda t: data.download(URL, TINY_SHA, t, progress="yes"), TypeError, "progress"),
])
def test_download_rejects_bad_arguments(tmp_path, served, call, error, name):
    with pytest.raises(error, match=name):
        call(tmp_path / "x.bin")
    assert not served.calls


def test_offline_mnist_fails_fast_and_names_the_offline_default(tmp_path, monkeypatch, served):
    monkeypatch.setenv("IBCOURSE_DATA", str(tmp_path))
    with pytest.raises(data.DataUnavailable, match=r"load\('digits'\)"):
        data.load("mnist")
    assert served.calls and all(url.startswith(data.MNIST_URL) for url in served.calls)
    assert not any(p.is_file() for p in tmp_path.rglob("*")), "nothing half-written is left behind"


def test_mnist_reads_cached_idx_files(tmp_path, monkeypatch):
    """Small files in the IDX format under the MNIST names, with their digests patched in."""
    monkeypatch.setenv("IBCOURSE_DATA", str(tmp_path))
    folder = tmp_path / "mnist"
    folder.mkdir()
    rng = np.random.default_rng(0)
    arrays = {"train-images-idx3-ubyte.gz": rng.integers(0, 256, (5, 28, 28), dtype=np.uint8),
              "train-labels-idx1-ubyte.gz": rng.integers(0, 10, 5, dtype=np.uint8),
              "t10k-images-idx3-ubyte.gz": rng.integers(0, 256, (3, 28, 28), dtype=np.uint8),
              "t10k-labels-idx1-ubyte.gz": rng.integers(0, 10, 3, dtype=np.uint8)}
    digests = {}
    for name, a in arrays.items():
        header = bytes([0, 0, 8, a.ndim]) + b"".join(int(n).to_bytes(4, "big") for n in a.shape)
        (folder / name).write_bytes(gzip.compress(header + a.tobytes()))
        digests[name] = hashlib.sha256((folder / name).read_bytes()).hexdigest()
    monkeypatch.setattr(data, "MNIST_FILES", digests)
    monkeypatch.setattr(requests, "get", lambda *a, **k: pytest.fail("the cache must be used"))
    d = data.load("mnist")
    assert d.x_train.shape == (5, 784) and d.x_test.shape == (3, 784) and d.image_shape == (28, 28)
    assert torch.allclose(d.x_train[0], torch.from_numpy(arrays["train-images-idx3-ubyte.gz"][0].ravel() / 255.0).float())
    assert torch.equal(d.y_test, torch.from_numpy(arrays["t10k-labels-idx1-ubyte.gz"].astype(np.int64)))


# ---------------------------------------------------------------------------- shapes with known factors
def test_shapes_factors_concepts_and_label_are_consistent():
    s = data.shapes(300, 200, seed=4)
    assert s.x_train.shape == (300, 256) and s.x_test.shape == (200, 256) and s.x_train.dtype == torch.float32
    assert set(torch.unique(s.x_train).tolist()) <= {0.0, 1.0}
    levels = [len(v) for v in data.SHAPE_FACTORS.values()]
    for factors, concepts, label in ((s.factors_train, s.concepts_train, s.y_train),
                                     (s.factors_test, s.concepts_test, s.y_test)):
        f = factors.numpy()
        assert np.all((f >= 0) & (f < np.array(levels)))
        assert np.array_equal(concepts.numpy(), np.stack([f[:, 0] == 1, f[:, 1] == 1, f[:, 2] >= 4, f[:, 3] >= 4], 1))
        assert np.array_equal(label.numpy(), concepts.numpy()[:, :3].sum(1) >= 2)
    for j, n in enumerate(levels):  # every value of every factor occurs
        assert len(np.unique(s.factors_train[:, j])) == n


def test_clean_shapes_have_the_sizes_and_places_of_their_factors():
    s = data.shapes(400, 1, flip=0.0, seed=5)
    images, f = s.x_train.reshape(-1, 16, 16).numpy(), s.factors_train.numpy()
    area = images.sum((1, 2))
    square = f[:, 0] == 0
    assert np.all(area[square & (f[:, 1] == 0)] == 25) and np.all(area[square & (f[:, 1] == 1)] == 81)
    assert np.all(area[~square] < np.where(f[~square, 1] == 1, 81, 25))  # a disc leaves out the corners
    rows, cols = np.indices((16, 16))
    centre_x = (images * cols).sum((1, 2)) / area
    centre_y = (images * rows).sum((1, 2)) / area
    assert np.allclose(centre_x, f[:, 2] + 4) and np.allclose(centre_y, f[:, 3] + 4)


def test_shapes_are_seeded_and_flip_the_asked_fraction():
    a, b = data.shapes(200, 50, seed=1), data.shapes(200, 50, seed=1)
    assert torch.equal(a.x_train, b.x_train) and torch.equal(a.factors_test, b.factors_test)
    noisy, clean = data.shapes(2000, 1, flip=0.1, seed=2), data.shapes(2000, 1, flip=0.0, seed=2)
    assert torch.equal(noisy.factors_train, clean.factors_train)
    assert (noisy.x_train != clean.x_train).float().mean().item() == pytest.approx(0.1, abs=0.005)


@pytest.mark.parametrize("kwargs, name", [({"side": 12}, "side"), ({"flip": 0.5}, "flip"), ({"n_train": 0}, "n_train"),
                                          ({"flip": float("nan")}, "flip")])
def test_shapes_bad_input(kwargs, name):
    with pytest.raises(ValueError, match=name):
        data.shapes(**{"n_train": 10, "n_test": 10, **kwargs})


# ---------------------------------------------------------------------------- digits made discrete
def test_discretise_gives_the_joint_of_nearest_rounded_centres():
    digits = data.load("digits")
    d = data.discretise(digits, 12, seed=0)
    assert d.centroids.shape == (12, 64) and d.pxy.shape == (12, 10)
    assert np.allclose(d.centroids.numpy() * 16, np.round(d.centroids.numpy() * 16))
    assert d.pxy.sum() == pytest.approx(1.0) and np.all(d.pxy.sum(1) > 0)
    distances = ((digits.x_test[:, None] - d.centroids[None]) ** 2).sum(-1)
    assert torch.equal(d.x_test, distances.argmin(1))
    counts = np.zeros((12, 10))
    np.add.at(counts, (d.x_train.numpy(), d.y_train.numpy()), 1)
    assert np.allclose(d.pxy, counts / len(d.x_train))


def test_discretise_bad_input():
    with pytest.raises(TypeError, match="images"):
        data.discretise(np.zeros((5, 64)), 3)
    with pytest.raises(ValueError, match="clusters"):
        data.discretise(data.load("digits"), 1)
