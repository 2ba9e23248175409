import gzip
import shutil

import numpy as np
import pytest

from conftest import TEST_POOL_FILES, idx_bytes
from lowcap import data


def test_parse_idx_roundtrip_and_shape():
    array = np.arange(2 * 3 * 4, dtype=np.uint8).reshape(2, 3, 4)
    np.testing.assert_array_equal(data.parse_idx(idx_bytes(array)), array)
    labels = np.array([3, 1, 4], dtype=np.uint8)
    np.testing.assert_array_equal(data.parse_idx(idx_bytes(labels)), labels)


@pytest.mark.parametrize(
    "raw, problem",
    [
        (b"\x01\x00\x08\x01" + (3).to_bytes(4, "big") + b"abc", "bad magic"),
        (b"\x00\x00\x0d\x01" + (3).to_bytes(4, "big") + b"abc", "unsupported element type"),
        (b"\x00\x00\x08\x01" + (5).to_bytes(4, "big") + b"abc", "header promises"),
    ],
)
def test_parse_idx_rejects_corrupt_bytes_naming_source(raw, problem):
    with pytest.raises(data.DataError, match=f"corrupt IDX file some-file.*{problem}"):
        data.parse_idx(raw, "some-file")


def test_read_idx_names_missing_and_corrupt_files(tmp_path):
    with pytest.raises(data.DataError, match="not found: .*nothing.gz"):
        data.read_idx(tmp_path / "nothing.gz")
    truncated = tmp_path / "truncated.gz"
    truncated.write_bytes(gzip.compress(idx_bytes(np.zeros((4, 28, 28), np.uint8)))[:-12])
    with pytest.raises(data.DataError, match="truncated.gz"):
        data.read_idx(truncated)


def test_real_or_synthetic_pool_is_consistent(pool, mnist_mirror):
    images, labels = pool
    assert images.shape[1:] == (28, 28) and images.dtype == np.uint8
    assert len(images) == len(labels)
    if mnist_mirror.real:
        assert len(images) == 10000
        assert np.bincount(labels).tolist()[:3] == [980, 1135, 1032]  # the official test split


@pytest.mark.parametrize("pair", ["0-1", "4-9"])
def test_split_is_balanced_stratified_and_disjoint(pool, pair):
    images, labels = pool
    low, high = data.parse_pair(pair)
    split = data.make_split(labels, (low, high), seed=42)
    n = min((labels == low).sum(), (labels == high).sum())
    assert len(set(split.train) & set(split.val)) == 0
    assert len(split.train) + len(split.val) == 2 * n  # the larger class was down-sampled to n
    for index, y in ((split.train, split.y_train), (split.val, split.y_val)):
        assert y.mean() == 0.5  # balanced
        np.testing.assert_array_equal(labels[index] == high, y == 1)  # lower digit is label 0
    assert len(split.val) == 2 * round(0.2 * n)  # stratified 80/20


def test_split_is_a_pure_function_of_pool_pair_seed(pool):
    _, labels = pool
    a = data.make_split(labels, (3, 8), 0)
    b = data.make_split(labels.copy(), (3, 8), 0)
    c = data.make_split(labels, (3, 8), 78)
    np.testing.assert_array_equal(a.train, b.train)
    np.testing.assert_array_equal(a.val, b.val)
    assert a.digest() == b.digest() != c.digest()


def test_pair_data_scales_pixels(pool):
    d = data.pair_data(*pool, "1-7", 0)
    assert d.x_train.dtype == np.float32 and d.x_train.shape[1] == 784
    assert 0.0 <= d.x_train.min() and d.x_train.max() <= 1.0


def test_fetch_from_mirror_verifies_content(tmp_path, mnist_mirror):
    stem = TEST_POOL_FILES[1]
    dest = tmp_path / "out" / f"{stem}.gz"
    message = data.fetch("mnist", stem, dest, str(mnist_mirror.path), mnist_mirror.sha256.get(stem))
    assert "sha256" in message and dest.exists()


def test_fetch_rejects_a_corrupt_file_naming_it_and_keeps_nothing(tmp_path, mnist_mirror):
    stem = TEST_POOL_FILES[1]
    mirror = tmp_path / "mirror"
    mirror.mkdir()
    raw = bytearray(gzip.decompress((mnist_mirror.path / f"{stem}.gz").read_bytes()))
    raw[100] ^= 1  # one flipped bit in a label
    (mirror / f"{stem}.gz").write_bytes(gzip.compress(bytes(raw)))
    dest = tmp_path / "out" / f"{stem}.gz"
    with pytest.raises(data.DataError, match=f"checksum mismatch for .*{stem}"):
        data.fetch("mnist", stem, dest, str(mirror), mnist_mirror.sha256.get(stem))
    assert not dest.exists() and not list(dest.parent.glob("*"))


def test_check_mirror_names_missing_files(tmp_path, mnist_mirror):
    data.check_mirror("mnist", "test", str(mnist_mirror.path))
    partial = tmp_path / "partial"
    partial.mkdir()
    shutil.copy(mnist_mirror.path / f"{TEST_POOL_FILES[0]}.gz", partial)
    with pytest.raises(data.DataError, match="t10k-labels-idx1-ubyte.gz"):
        data.check_mirror("mnist", "test", str(partial))
