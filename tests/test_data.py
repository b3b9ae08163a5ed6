import numpy as np

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
