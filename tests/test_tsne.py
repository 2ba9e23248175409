import numpy as np
import pandas as pd
import pytest

from conftest import make_meta
from lowcap.analyses import tsne
from lowcap.figures import tsne as figures
from lowcap.jobs.tsne import tsne_activations
from lowcap.jobs.tsne_figures import tsne_figure

IMAGES, LABELS = "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"


# Jobs compare numbers computed on CPU, whatever the machine (conftest.cpu_jobs).
pytestmark = pytest.mark.usefixtures("cpu_jobs")


def rotation(p, seed):
    q, _ = np.linalg.qr(np.random.default_rng(seed).normal(size=(p, p)))
    return q


def clustered(n=150, p=12, seed=0):
    """Two well-separated Gaussian blobs, like the two classes of a trained hidden layer."""
    rng = np.random.default_rng(seed)
    labels = np.arange(n) % 2
    return rng.normal(size=(n, p)) + 6 * labels[:, None] * np.eye(p)[0], labels


def test_cka_is_one_on_itself_and_ignores_rotation_and_scale():
    x, _ = clustered()
    q = rotation(x.shape[1], 1)
    # float64 Gram matrices of 150 x 12 data and a QR rotation orthogonal to ~1e-15: CKA is 1 to
    # ~1e-13; pytest.approx's default rel 1e-6 is loose but any real failure (a missing centring,
    # a non-invariant kernel) moves it by > 1e-2.
    assert tsne.linear_cka(x, x) == pytest.approx(1.0)
    assert tsne.linear_cka(x, 3.7 * x @ q) == pytest.approx(1.0)
    assert tsne.linear_cka(x + 5.0, x) == pytest.approx(1.0)  # centring


def test_cka_is_symmetric_low_on_independent_data_and_nan_on_a_constant():
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(500, 8)), rng.normal(size=(500, 5))
    # Symmetric in exact arithmetic; float64 differs by summation order only (~1e-15).
    assert tsne.linear_cka(x, y) == pytest.approx(tsne.linear_cka(y, x))
    # Sampling: for independent data CKA ~ sqrt(p q) / n ~ 0.013 at n = 500 (seeded).
    assert tsne.linear_cka(x, y) < 0.1
    assert np.isnan(tsne.linear_cka(x, np.ones((500, 3))))


def test_knn_overlap_is_one_on_identical_or_rescaled_inputs_and_near_chance_on_unrelated_ones():
    x, _ = clustered()
    q = rotation(x.shape[1], 2)
    assert tsne.knn_overlap(x, x, k=10) == 1.0
    # Rotation and scaling keep every distance ratio up to ~1e-15 relative; a neighbour list could
    # change only at a near-tie, and each changed neighbour costs 1 / (150 * 10) = 7e-4 >> 1e-6.
    assert tsne.knn_overlap(x, 0.1 * x @ q, k=10) == pytest.approx(1.0)
    rng = np.random.default_rng(3)
    unrelated = tsne.knn_overlap(rng.normal(size=(300, 6)), rng.normal(size=(300, 6)), k=10)
    # Sampling: per point the overlap is ~Binomial(10, 10/299) / 10, sd 0.057; over 300 points
    # sd ~0.0033, so 0.02 is ~6 sd (and the seed is fixed).
    assert unrelated == pytest.approx(tsne.chance_knn_overlap(300, 10), abs=0.02)


def test_neighbours_leave_each_point_out_of_its_own_list():
    x, _ = clustered(n=40)
    nb = tsne.neighbours(x, 5)
    assert nb.shape == (40, 5)
    assert not (nb == np.arange(40)[:, None]).any()


def test_similarity_table_counts_zero_rows_and_sizes():
    x, _ = clustered(n=60)
    pruned = np.maximum(x, 0)
    pruned[:7] = 0
    table = tsne.similarity(x, {"same": x, "pruned": pruned}, k=5)
    same = table.set_index("comparison").loc["same"]
    # CKA of data with itself: 1 to float64 rounding (~1e-15); default rel 1e-6 of pytest.approx.
    assert same["knn_overlap"] == 1 and same["linear_cka"] == pytest.approx(1)
    assert table.set_index("comparison").loc["pruned", "zero_rows"] == 7
    # The same float64 formula (sums of 60 x 12 squares) in another order: ~1e-15 relative.
    assert table["rms_norm"].iloc[0] == pytest.approx(np.sqrt((x ** 2).sum(1).mean()))
    assert tsne.rms_norm(tsne.unit_rms(pruned)) == pytest.approx(1)


def test_embedding_is_repeatable_and_places_identical_points_where_they_were():
    x, labels = clustered(n=120)
    a = tsne.embed(x, 0.5 * x, perplexity=20, random_state=0)
    b = tsne.embed(x, 0.5 * x, perplexity=20, random_state=0)
    assert list(a) == list(tsne.PANELS) == list(figures.PANELS)  # the figure reads these columns
    for name in a:
        assert a[name].shape == (120, 2)
        np.testing.assert_array_equal(a[name], b[name])
    # The same activations, only rescaled, land next to their own dense positions ...
    moved = np.linalg.norm(a["pruned_in_dense"] - a["dense"], axis=1)
    spread = np.linalg.norm(a["dense"] - a["dense"].mean(0), axis=1).mean()
    # Geometry, not rounding: the thresholds are fractions of the embedding's own spread.
    assert np.median(moved) < 0.2 * spread
    # ... and the two blobs stay apart in every panel.
    for xy in a.values():
        centres = [xy[labels == c].mean(0) for c in (0, 1)]
        assert np.linalg.norm(centres[0] - centres[1]) > spread


def test_jobs_end_to_end(tmp_path, mnist_mirror, pool):
    """A dense checkpoint and a baseline one through the compute and figure jobs."""
    from lowcap.core import data
    from lowcap.core.model import init_params, save_checkpoint

    images, labels = str(mnist_mirror.path / IMAGES), str(mnist_mirror.path / LABELS)
    paths = []
    for seed in (0, 1):
        split = data.pair_data(*pool, "4-9", seed).split
        meta = make_meta("4-9", 6, seed, split.digest())
        state = init_params(6, seed + 100, "normal", 0.1)  # not the initial weights of `seed`
        save_checkpoint(tmp_path / f"w6_s{seed}.pt", state, meta)
        paths.append(str(tmp_path / f"w6_s{seed}.pt"))
    out = {name: str(tmp_path / name) for name in ("emb.csv", "sim.csv", "sim.md", "f.png", "f.pdf", "f.csv")}
    tsne_activations(images, labels, paths, [["4-9", 6, 0], ["4-9", 6, 1]], "test", 95, "layer", 20, 10, 0,
                     out["emb.csv"], out["sim.csv"], out["sim.md"])
    sim = pd.read_csv(out["sim.csv"], dtype={"pair": str}).set_index("role")
    assert list(sim.index) == ["reference", "pruned", "baseline", "baseline"]
    assert sim.loc["reference", "knn_overlap"] == 1 and sim.loc["reference", "linear_cka"] == pytest.approx(1)
    # Counted from the weights: round(0.95 * 4704) = 4469 hidden + 6 of 6 output weights = 4475 of
    # 4710, 95.01%; whole-weight rounding is at most half a weight per layer, 0.02 points.
    assert sim.loc["pruned", "weight_sparsity_pct"] == pytest.approx(95, abs=0.1)
    assert sim.loc["pruned", "units_with_output_weight"] == 0  # round(0.95 * 6) = 6 of 6 output weights
    assert 0 <= sim.loc["pruned", "knn_overlap"] < 1
    n_val = len(data.pair_data(*pool, "4-9", 0).y_val)
    assert (sim["n_val"] == n_val).all()
    tsne_figure(out["emb.csv"], out["sim.csv"], out["f.png"], out["f.pdf"], out["f.csv"])
    plotted = pd.read_csv(out["f.csv"])
    assert len(plotted) == n_val and set(plotted["digit"]) == {4, 9}
    assert plotted.filter(like="_x").notna().all().all()
    assert (tmp_path / "f.png").stat().st_size > 0 and (tmp_path / "f.pdf").stat().st_size > 0


def test_the_figure_and_the_activations_jobs_do_not_share_code_that_draws_or_computes():
    """An edit to the figure reruns the figure job only; one to the t-SNE analysis does not rerun it."""
    from lowcap.core import provenance

    assert "lowcap.figures.tsne" not in provenance.module_closure("lowcap.jobs.tsne")
    assert "lowcap.analyses.tsne" not in provenance.module_closure("lowcap.jobs.tsne_figures")
