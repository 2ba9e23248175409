import contextlib
import functools
import gzip
import http.server
import shutil
import socket
import threading
import time

import numpy as np
import pytest

from conftest import TEST_POOL_FILES, idx_bytes
from lowcap.core import data


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
    with pytest.raises(data.DataError, match=f"checksum mismatch for .*{stem}") as err:
        data.fetch("mnist", stem, dest, str(mirror), mnist_mirror.sha256.get(stem))
    assert not dest.exists() and not list(dest.parent.glob("*"))
    assert_names_source_and_destination(str(err.value), str(mirror / f"{stem}.gz"), dest)


def assert_names_source_and_destination(message, source, dest):
    """A data error names where the file came from and where it was to go, never the temporary
    .part file, which is deleted by then."""
    assert source in message, message
    assert str(dest) in message, message
    assert ".part" not in message, message


@pytest.mark.parametrize("damage", ["truncated gzip", "not gzip, bad IDX header", "missing"])
def test_every_mirror_error_names_the_mirror_file_and_the_destination(tmp_path, mnist_mirror, damage):
    stem = TEST_POOL_FILES[1]
    mirror = tmp_path / "mirror"
    mirror.mkdir()
    good = (mnist_mirror.path / f"{stem}.gz").read_bytes()
    if damage == "truncated gzip":
        (mirror / f"{stem}.gz").write_bytes(good[: len(good) // 2])
    elif damage == "not gzip, bad IDX header":
        (mirror / f"{stem}.gz").write_bytes(b"not a data file")
    dest = tmp_path / "out" / f"{stem}.gz"
    with pytest.raises(data.DataError) as err:
        data.fetch("mnist", stem, dest, str(mirror), mnist_mirror.sha256.get(stem))
    assert_names_source_and_destination(str(err.value), str(mirror / f"{stem}.gz"), dest)
    assert not list(dest.parent.glob("*"))  # neither the file nor its .part


def test_split_rejects_a_pair_of_one_class_twice(pool):
    _, labels = pool
    with pytest.raises(data.DataError, match="pair 4-4: the two classes must differ"):
        data.make_split(labels, (4, 4), seed=0)
    with pytest.raises(data.DataError, match="must differ"):
        data.pair_data(*pool, "7-7", 0)


# --------------------------------------------------------------------------- downloads, on loopback only


@pytest.fixture
def loopback(monkeypatch):
    """Downloads go to 127.0.0.1 only, never through a proxy."""
    monkeypatch.setenv("no_proxy", "127.0.0.1")
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")

    def use_mirrors(*bases):
        monkeypatch.setattr(data, "_official_resources", lambda dataset: (list(bases), {}))

    return use_mirrors


@contextlib.contextmanager
def silent_server(lifetime_s=10.0):
    """A TCP server on 127.0.0.1 that accepts connections and never answers. It stops by
    itself after `lifetime_s`, or when the block ends."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    server.settimeout(0.1)
    stop = threading.Event()
    deadline = time.monotonic() + lifetime_s

    def hold():
        held = []
        while not stop.is_set() and time.monotonic() < deadline:
            with contextlib.suppress(OSError):
                held.append(server.accept()[0])  # and say nothing
        for conn in held:
            conn.close()

    thread = threading.Thread(target=hold, daemon=True)
    thread.start()
    try:
        yield server.getsockname()[1]
    finally:
        stop.set()
        thread.join()
        server.close()


@contextlib.contextmanager
def http_server(root):
    """A plain HTTP server for the files under `root`, on 127.0.0.1."""

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(root)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def test_a_silent_network_times_out_and_says_how_to_work_offline(tmp_path, monkeypatch, loopback):
    stem = TEST_POOL_FILES[1]
    dest = tmp_path / "out" / f"{stem}.gz"
    monkeypatch.setattr(data, "DOWNLOAD_TIMEOUT_S", 0.5)  # the default timeout, made short
    with silent_server() as port:
        urls = [f"http://127.0.0.1:{port}/first/", f"http://127.0.0.1:{port}/second/"]
        loopback(*urls)
        start = time.monotonic()
        with pytest.raises(data.DataError) as err:
            data.fetch("mnist", stem, dest, mirror=None)
        elapsed = time.monotonic() - start
    message = str(err.value)
    assert elapsed < 5, f"two mirrors at 0.5 s each took {elapsed:.1f} s"
    for url in urls:
        assert f"{url}{stem}.gz: no answer within 0.5 s" in message, message
    assert str(dest) in message and ".part" not in message
    assert "--configfile configs/mnist-10k-local.yaml" in message
    assert "`mirror` under `data: mnist:`" in message
    assert not list(dest.parent.glob("*"))


def test_download_errors_name_each_url_and_the_destination_and_a_good_mirror_wins(
        tmp_path, mnist_mirror, loopback):
    stem = TEST_POOL_FILES[1]
    served = tmp_path / "served"
    (served / "corrupt").mkdir(parents=True)
    (served / "good").mkdir()
    (served / "corrupt" / f"{stem}.gz").write_bytes(b"\x1f\x8b not really gzip")
    shutil.copy(mnist_mirror.path / f"{stem}.gz", served / "good")
    dest = tmp_path / "out" / f"{stem}.gz"
    sha = mnist_mirror.sha256.get(stem)
    with http_server(served) as base:
        loopback(f"{base}/missing/", f"{base}/corrupt/")
        with pytest.raises(data.DataError) as err:
            data.fetch("mnist", stem, dest, mirror=None, sha256=sha, timeout=5)
        message = str(err.value)
        assert f"{base}/missing/{stem}.gz: HTTP Error 404" in message, message
        assert f"corrupt data file {base}/corrupt/{stem}.gz" in message, message
        assert str(dest) in message and ".part" not in message
        assert not list(dest.parent.glob("*"))

        loopback(f"{base}/missing/", f"{base}/good/")
        report = data.fetch("mnist", stem, dest, mirror=None, sha256=sha, timeout=5)
    assert report.startswith(f"{base}/good/{stem}.gz -> {dest}")
    assert dest.read_bytes() == (mnist_mirror.path / f"{stem}.gz").read_bytes()
    assert not dest.with_name(dest.name + ".part").exists()


def test_check_mirror_names_missing_files(tmp_path, mnist_mirror):
    data.check_mirror("mnist", "test", str(mnist_mirror.path))
    partial = tmp_path / "partial"
    partial.mkdir()
    shutil.copy(mnist_mirror.path / f"{TEST_POOL_FILES[0]}.gz", partial)
    with pytest.raises(data.DataError, match="t10k-labels-idx1-ubyte.gz"):
        data.check_mirror("mnist", "test", str(partial))


# ---------------------------------------------------------------- issue 16: sizes and checksums up front


def test_split_sizes_are_make_splits_sizes(pool):
    """The config checks bound settings by the validation size split_sizes computes from the
    class counts alone: it must be what make_split gives, for every pair and seed."""
    images, labels = pool
    counts = np.bincount(labels, minlength=10)
    for pair in [(0, 1), (4, 9), (5, 6), (3, 8)]:
        for seed in (0, 42):
            split = data.make_split(labels, pair, seed)
            assert data.split_sizes(counts, pair) == (len(split.train), len(split.val))


@pytest.mark.parametrize("pool_name", ["train", "test"])
def test_official_class_counts_are_the_files(pool_name):
    """OFFICIAL_CLASS_COUNTS stand in for the labels when the data is downloaded (no mirror)."""
    from conftest import SHARED_MNIST

    stem = data.pool_files(pool_name)[1]
    path = SHARED_MNIST / f"{stem}.gz"
    if not path.exists():
        pytest.skip(f"{path} not present")
    assert data.verify("mnist", stem, path)  # the official bytes
    counts = tuple(int(c) for c in np.bincount(data.read_idx(path), minlength=10))
    assert counts == data.OFFICIAL_CLASS_COUNTS[("mnist", pool_name)]
    assert data.pool_class_counts("mnist", pool_name, None) == counts
    assert data.pool_class_counts("mnist", pool_name, str(SHARED_MNIST)) == counts


def test_a_wrong_sha256_is_refused_before_any_job(tmp_path):
    """Issue 16, finding 3: a wrong data.mnist.sha256 reran the fetch job, which Snakemake starts by
    deleting the verified file; the job then failed, and the data was gone. Now the config is
    refused before any job, naming the key and the checksum the file has."""
    from conftest import REPO, write_synthetic_mirror
    from lowcap.core.settings import ConfigError, load_settings, merge_files

    sha = write_synthetic_mirror(tmp_path / "mirror")
    config = merge_files([REPO / "config.yaml"])
    config["data"]["mnist"] = {"mirror": str(tmp_path / "mirror"), "sha256": dict(sha)}
    for study in ("released", "explicit", "released-cnn", "explicit-cnn"):
        config["studies"][study]["pool"] = "test"
    schema = REPO / "workflow" / "schemas" / "config.schema.yaml"
    load_settings(config, schema)
    stem = "t10k-labels-idx1-ubyte"
    config["data"]["mnist"]["sha256"][stem] = "0" * 64
    with pytest.raises(ConfigError, match=rf"'data.mnist.sha256.{stem}' is 0{{64}}, but the decompressed content "
                                          rf"of the mirror file .*{stem}.gz has sha256 {sha[stem]}"):
        load_settings(config, schema)
    # Without a mirror the official files are downloaded: a checksum other than theirs is refused too.
    config["data"]["mnist"] = {"mirror": None, "sha256": {stem: "0" * 64}}
    with pytest.raises(ConfigError, match=rf"'data.mnist.sha256.{stem}' is 0{{64}}, but .*official {stem}.gz"):
        load_settings(config, schema)


def test_the_mirror_error_names_the_config_key(tmp_path):
    """Issue 16, finding 9: the message said data.mirror, a key that does not exist."""
    with pytest.raises(data.DataError, match=r"config key 'data.mnist.mirror' is .*lacks the files"):
        data.check_mirror("mnist", "test", str(tmp_path))
