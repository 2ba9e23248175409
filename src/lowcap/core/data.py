"""Datasets in IDX format: registry, fetching with verification, parsing, and the paper's splits.

Nothing here imports torch at module level: figure jobs use it without paying torch's import cost.
"""

from __future__ import annotations

import gzip
import hashlib
import shutil
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import numpy as np

# Sha256 of the *decompressed* IDX files. The gzip wrappers differ between mirrors (recompression),
# the decompressed bytes do not, so content is verified here rather than the wrapper.
# MNIST: the official bytes (shared/mnist/SHA256SUMS.decompressed, cross-checked against two copies).
# The MNIST training images have no recorded sha256 here; they are verified by torchvision's md5
# of the official gzip file instead.
# Fashion-MNIST: as shipped by Debian's dataset-fashion-mnist package.
_SHA256 = {
    "mnist": {
        "t10k-images-idx3-ubyte": "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7",
        "t10k-labels-idx1-ubyte": "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2",
        "train-labels-idx1-ubyte": "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5",
    },
    "fashion_mnist": {
        "t10k-images-idx3-ubyte": "5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b",
        "t10k-labels-idx1-ubyte": "0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34",
        "train-images-idx3-ubyte": "c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888",
        "train-labels-idx1-ubyte": "bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9",
    },
}


@dataclass(frozen=True)
class DatasetSpec:
    name: str
    torchvision_class: str  # where the official mirrors and md5s come from


DATASETS = {
    "mnist": DatasetSpec("mnist", "MNIST"),
    "fashion_mnist": DatasetSpec("fashion_mnist", "FashionMNIST"),
}

POOL_PREFIX = {"train": "train", "test": "t10k"}

# Seconds that a download may wait for a connection, or for any one read, before it gives up on a
# mirror. Without it a network that silently drops packets would hang the job forever.
DOWNLOAD_TIMEOUT_S = 60.0

# What every download error ends with: how to run without the internet ({dataset} filled in).
OFFLINE_HINT = (
    "To work offline, read the files from a local directory instead: for MNIST run with "
    "`--configfile configs/mnist-10k-local.yaml` (the local mirror ../shared/mnist), or set the "
    "config option `mirror` under `data: {dataset}:` to a directory that holds the .gz files."
)


class DataError(RuntimeError):
    """A data file is missing, corrupt or does not match its recorded checksum."""


def pool_files(pool: str) -> tuple[str, str]:
    """The (images, labels) IDX file names, without .gz, that a pool needs."""
    prefix = POOL_PREFIX[pool]
    return f"{prefix}-images-idx3-ubyte", f"{prefix}-labels-idx1-ubyte"


def parse_pair(pair: str) -> tuple[int, int]:
    """'4-9' -> (4, 9). The lower class is labelled 0, the higher 1."""
    a, b = (int(x) for x in pair.split("-"))
    return a, b


# --------------------------------------------------------------------------- reading


def _open_bytes(path: Path, name: str | None = None) -> bytes:
    """The file's bytes, decompressed if gzip. Errors name `name` (default: the path)."""
    path = Path(path)
    name = name or str(path)
    if not path.exists():
        raise DataError(f"data file not found: {name}")
    try:
        raw = path.read_bytes()
        # Recognise gzip by its magic bytes, not the name: fetches verify a ".part" file.
        return gzip.decompress(raw) if raw[:2] == b"\x1f\x8b" else raw
    except (OSError, EOFError, gzip.BadGzipFile) as exc:
        raise DataError(f"corrupt data file {name}: {exc}") from exc


def parse_idx(raw: bytes, source: str = "<bytes>") -> np.ndarray:
    """Parse an IDX file (big-endian header; uint8 payload as used by MNIST)."""
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0:
        raise DataError(f"corrupt IDX file {source}: bad magic number")
    dtype_code, ndim = raw[2], raw[3]
    if dtype_code != 0x08:
        raise DataError(f"corrupt IDX file {source}: unsupported element type 0x{dtype_code:02x}")
    header = 4 + 4 * ndim
    if len(raw) < header:
        raise DataError(f"corrupt IDX file {source}: truncated header")
    shape = tuple(int.from_bytes(raw[4 + 4 * i: 8 + 4 * i], "big") for i in range(ndim))
    expected = header + int(np.prod(shape, dtype=np.int64))
    if len(raw) != expected:
        raise DataError(
            f"corrupt IDX file {source}: {len(raw)} bytes, header promises {expected}"
        )
    return np.frombuffer(raw, dtype=np.uint8, offset=header).reshape(shape)


def read_idx(path: str | Path, name: str | None = None) -> np.ndarray:
    return parse_idx(_open_bytes(Path(path), name), name or str(path))


def load_pool(images_path: str | Path, labels_path: str | Path) -> tuple[np.ndarray, np.ndarray]:
    """Images (n, 28, 28) uint8 and labels (n,) uint8, checked against each other."""
    images, labels = read_idx(images_path), read_idx(labels_path)
    if images.ndim != 3 or labels.ndim != 1 or len(images) != len(labels):
        raise DataError(
            f"data files {images_path} and {labels_path} do not match: "
            f"images {images.shape}, labels {labels.shape}"
        )
    if labels.max(initial=0) > 9:
        raise DataError(f"corrupt label file {labels_path}: label {labels.max()} outside 0-9")
    return images, labels


# --------------------------------------------------------------------------- fetching


def sha256_decompressed(path: Path, name: str | None = None) -> str:
    return hashlib.sha256(_open_bytes(path, name)).hexdigest()


def md5_file(path: Path) -> str:
    return hashlib.md5(Path(path).read_bytes()).hexdigest()


def _official_resources(dataset: str) -> tuple[list[str], dict[str, str]]:
    """Mirrors and gzip md5s as torchvision records them."""
    import torchvision.datasets as tvd  # here: only a download or a checksum needs torchvision

    cls = getattr(tvd, DATASETS[dataset].torchvision_class)
    return list(cls.mirrors), {name[: -len(".gz")]: md5 for name, md5 in cls.resources}


def verify(dataset: str, stem: str, path: Path, sha256: str | None = None, name: str | None = None) -> str:
    """Check a fetched .gz against the sha256 of its content (given, else recorded here), or else
    torchvision's md5 of the official gzip file. Returns how it was verified; raises DataError
    naming the file otherwise (`name`, e.g. where it came from, defaults to the path)."""
    path = Path(path)
    name = name or str(path)
    known_sha = sha256 or _SHA256.get(dataset, {}).get(stem)
    if known_sha is not None:
        got = sha256_decompressed(path, name)
        if got != known_sha:
            raise DataError(
                f"checksum mismatch for {name}: sha256 of decompressed content is {got}, "
                f"expected {known_sha}"
            )
        how = "sha256 of decompressed content"
    else:
        _, md5s = _official_resources(dataset)
        got = md5_file(path)
        if got != md5s[stem]:
            raise DataError(
                f"checksum mismatch for {name}: md5 {got}, torchvision expects {md5s[stem]} "
                "and no sha256 of the decompressed content is recorded for this file"
            )
        how = "torchvision md5 of the gzip file"
    read_idx(path, name)  # the IDX structure too: header and length must agree
    return how


def _download(url: str, dest: Path, timeout: float) -> None:
    """GET `url` into `dest`. `timeout` bounds the connection and every single read."""
    request = urllib.request.Request(url, headers={"User-Agent": "lowcap"})
    with urllib.request.urlopen(request, timeout=timeout) as response, open(dest, "wb") as out:
        shutil.copyfileobj(response, out, 1 << 20)


def _is_timeout(exc: BaseException) -> bool:
    return isinstance(exc, TimeoutError) or isinstance(getattr(exc, "reason", None), TimeoutError)


def _copy_from_mirror(dataset: str, stem: str, mirror: str, tmp: Path, dest: Path,
                      sha256: str | None) -> tuple[str, str]:
    """Copy `stem`.gz from a local mirror to `tmp` and verify it: (where it came from, how verified)."""
    origin = str(Path(mirror) / f"{stem}.gz")
    if not Path(origin).exists():
        raise DataError(f"data file not found in mirror: {origin} (wanted for {dest})")
    try:
        shutil.copyfile(origin, tmp)
    except OSError as exc:
        raise DataError(f"cannot copy {origin} to {dest}: {exc}") from exc
    try:
        return origin, verify(dataset, stem, tmp, sha256, name=origin)
    except DataError as exc:
        raise DataError(f"{exc} (copying {origin} to {dest}; {dest} was not written)") from None


def _download_official(dataset: str, stem: str, tmp: Path, dest: Path, sha256: str | None,
                       timeout: float) -> tuple[str, str]:
    """Download `stem`.gz to `tmp` from the first official mirror that gives a verified file:
    (where it came from, how verified). Every mirror's failure is named when none does."""
    urls, _ = _official_resources(dataset)
    failures = []
    for base in urls:
        origin = base + f"{stem}.gz"
        try:
            _download(origin, tmp, timeout)
            return origin, verify(dataset, stem, tmp, sha256, name=origin)
        except DataError as exc:
            failures.append(str(exc))
        except Exception as exc:  # network errors differ by mirror; try the next one
            why = f"no answer within {timeout:g} s" if _is_timeout(exc) else str(exc)
            failures.append(f"{origin}: {why}")
    raise DataError(
        f"could not download {stem}.gz to {dest} from any official mirror: "
        f"{'; '.join(failures)}. {dest} was not written. {OFFLINE_HINT.format(dataset=dataset)}"
    )


def fetch(
    dataset: str,
    stem: str,
    dest: str | Path,
    mirror: str | None,
    sha256: str | None = None,
    timeout: float | None = None,
) -> str:
    """Copy `stem`.gz from a local mirror directory, or download it from the official mirrors.
    `sha256` (of the decompressed content) overrides the recorded checksum, for custom mirrors.
    `timeout` (default DOWNLOAD_TIMEOUT_S) bounds each connection and each read of a download.

    The file is written to a temporary name and moved into place only after verification, so a
    failed fetch never leaves a file that looks finished. Every error names where the file came
    from (the mirror file or the URL) and where it was to go.
    """
    dest = Path(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = dest.with_name(dest.name + ".part")
    timeout = DOWNLOAD_TIMEOUT_S if timeout is None else timeout
    try:
        if mirror:
            origin, how = _copy_from_mirror(dataset, stem, mirror, tmp, dest, sha256)
        else:
            origin, how = _download_official(dataset, stem, tmp, dest, sha256, timeout)
        tmp.replace(dest)
    except BaseException:  # also Ctrl-C: never leave a partial download behind
        tmp.unlink(missing_ok=True)
        raise
    return f"{origin} -> {dest} (verified by {how})"


def check_mirror(dataset: str, pool: str, mirror: str) -> None:
    """Fail before any job starts when the mirror lacks a file the pool needs."""
    if not Path(mirror).is_dir():
        raise DataError(f"config key 'data.{dataset}.mirror' is {mirror!r}: no such directory (relative paths "
                        f"are relative to {Path.cwd()}); allowed: null (download) or a directory holding the "
                        f"IDX .gz files")
    missing = [
        str(Path(mirror) / f"{stem}.gz")
        for stem in pool_files(pool)
        if not (Path(mirror) / f"{stem}.gz").exists()
    ]
    if missing:
        raise DataError(
            f"config key 'data.{dataset}.mirror' is {mirror!r}, which lacks the files that dataset {dataset!r}, "
            f"pool {pool!r} needs: {', '.join(missing)}"
        )


def check_sha256(dataset: str, pool: str, mirror: str | None, sha256: dict) -> list[str]:
    """Configured checksums (data.{dataset}.sha256) that the files cannot match, found before any
    job: a fetch job rerun for a changed checksum first loses the verified file it replaces."""
    problems = []
    for stem in pool_files(pool):
        want = (sha256 or {}).get(stem)
        if want is None:
            continue
        source = Path(mirror) / f"{stem}.gz" if mirror else None
        try:
            got = sha256_decompressed(source) if source else _SHA256.get(dataset, {}).get(stem)
        except DataError as exc:
            problems.append(f"{exc} (config key 'data.{dataset}.mirror')")
            continue
        if got is not None and got != want:
            holder = f"the mirror file {source}" if source else f"the official {stem}.gz"
            problems.append(f"config key 'data.{dataset}.sha256.{stem}' is {want}, but the decompressed content "
                            f"of {holder} has sha256 {got}; allowed: that file's sha256, or no entry (the "
                            "recorded checksums)")
    return problems


# --------------------------------------------------------------------------- sizes known up front

# Images per class of the official pools. The recorded checksums fix their bytes, so these are
# fixed too (tests/test_data.py checks them against the files when they are present).
OFFICIAL_CLASS_COUNTS = {
    ("mnist", "train"): (5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949),
    ("mnist", "test"): (980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009),
    ("fashion_mnist", "train"): (6000,) * 10,
    ("fashion_mnist", "test"): (1000,) * 10,
}
VAL_FRACTION = 0.2  # of each class, after balancing (make_split)


def val_per_class(n: int, val_fraction: float = VAL_FRACTION) -> int:
    """Validation images of each class when each class keeps n (make_split's rule)."""
    return int(round(n * val_fraction))


def split_sizes(class_counts, pair: tuple[int, int], val_fraction: float = VAL_FRACTION) -> tuple[int, int]:
    """(training, validation) images of a pair's split, from the pool's images per class: the same
    for every seed (make_split balances the classes, then splits each)."""
    n = min(class_counts[pair[0]], class_counts[pair[1]])
    n_val = val_per_class(n, val_fraction)
    return 2 * (n - n_val), 2 * n_val


def pool_class_counts(dataset: str, pool: str, mirror: str | None, sha256: dict | None = None):
    """Images per class (10 ints) of a pool: from the mirror's labels file, else the official
    counts; None when neither is known (a custom checksum and no readable mirror file)."""
    stem = pool_files(pool)[1]
    if mirror and (Path(mirror) / f"{stem}.gz").exists():
        try:
            return tuple(int(c) for c in np.bincount(read_idx(Path(mirror) / f"{stem}.gz"), minlength=10))
        except DataError:
            return None  # the fetch job reports a corrupt file, naming it
    return None if stem in (sha256 or {}) else OFFICIAL_CLASS_COUNTS.get((dataset, pool))


# --------------------------------------------------------------------------- splits


@dataclass(frozen=True)
class Split:
    """Indices into the pool for one (pair, seed). Pure function of (pool labels, pair, seed)."""

    train: np.ndarray
    val: np.ndarray
    y_train: np.ndarray
    y_val: np.ndarray

    def digest(self) -> str:
        h = hashlib.sha256()
        for arr in (self.train, self.val):
            h.update(np.ascontiguousarray(arr, dtype=np.int64).tobytes())
        return h.hexdigest()[:16]


def make_split(labels: np.ndarray, pair: tuple[int, int], seed: int, val_fraction: float = VAL_FRACTION) -> Split:
    """The paper's protocol: keep the two classes, balance by down-sampling the larger one,
    shuffle, then a stratified train/validation split. The lower class is labelled 0."""
    low, high = sorted(pair)
    if low == high:
        raise DataError(
            f"pair {pair[0]}-{pair[1]}: the two classes must differ (a pair like '4-9'), "
            f"got class {low} twice"
        )
    rng = np.random.default_rng(seed)
    idx_low = np.flatnonzero(labels == low)
    idx_high = np.flatnonzero(labels == high)
    n = min(len(idx_low), len(idx_high))
    if n < 2:
        raise DataError(f"pair {low}-{high}: too few examples ({n}) in the pool")
    # Down-sample each class to n (the smaller class keeps all of its examples, in shuffled order).
    idx_low = rng.permutation(idx_low)[:n]
    idx_high = rng.permutation(idx_high)[:n]
    n_val = val_per_class(n, val_fraction)
    train = np.concatenate([idx_low[n_val:], idx_high[n_val:]])
    val = np.concatenate([idx_low[:n_val], idx_high[:n_val]])
    y_train = np.concatenate([np.zeros(n - n_val), np.ones(n - n_val)]).astype(np.float32)
    y_val = np.concatenate([np.zeros(n_val), np.ones(n_val)]).astype(np.float32)
    order_train = rng.permutation(len(train))
    order_val = rng.permutation(len(val))
    return Split(train[order_train], val[order_val], y_train[order_train], y_val[order_val])


def to_inputs(images: np.ndarray, index: np.ndarray) -> np.ndarray:
    """Flattened float32 pixels in [0, 1]."""
    return images[index].reshape(len(index), -1).astype(np.float32) / 255.0


@dataclass(frozen=True)
class PairData:
    x_train: np.ndarray
    y_train: np.ndarray
    x_val: np.ndarray
    y_val: np.ndarray
    split: Split


def pair_data(images: np.ndarray, labels: np.ndarray, pair: str, seed: int) -> PairData:
    split = make_split(labels, parse_pair(pair), seed)
    return PairData(
        to_inputs(images, split.train), split.y_train, to_inputs(images, split.val), split.y_val, split
    )
