"""Config validation (schema and cross-key checks) and the typed settings built from it."""

import copy
import re
from pathlib import Path

import pytest
import yaml

from lowcap.core.settings import ConfigError, Protocol, check_config, load_settings, merge_files, protocol, read_yaml

REPO = Path(__file__).resolve().parents[1]
SCHEMA = REPO / "workflow" / "schemas" / "config.schema.yaml"


def default_config():
    return yaml.safe_load((REPO / "config.yaml").read_text())


def merged(*paths):
    """As `snakemake --configfile`: each file's keys update config.yaml's, nested dicts merged."""
    return merge_files([REPO / "config.yaml", *paths])


def test_shipped_configs_are_valid_and_name_their_studies():
    settings = load_settings(default_config(), SCHEMA)
    assert list(settings.studies) == ["released", "explicit", "released-cnn", "explicit-cnn", "released-e25",
                                      "released-e400"]
    assert settings.budget == ("released-e25", "released", "released-e400")
    assert settings.study("released-e400").protocol.epochs == 400
    assert settings.study("released-e400").analyses == ("capacity",)
    assert settings.claim_studies == ["released", "explicit", "released-cnn", "explicit-cnn"]
    assert settings.cnn_comparisons == {"released-cnn": "released", "explicit-cnn": "explicit"}
    assert {s.pool for s in settings.studies.values()} == {"train"}
    local = load_settings(merged(REPO / "configs/mnist-10k-local.yaml"), SCHEMA)
    assert {s.pool for s in local.studies.values()} == {"test"} and local.data["mnist"].mirror == "../shared/mnist"
    # Fashion-MNIST's mirror (a Debian package) need not be installed here: no data checks.
    both = load_settings(merged(REPO / "configs/mnist-10k-local.yaml", REPO / "configs/fashion-mnist.yaml"), SCHEMA,
                         check_data=False)
    assert list(both.studies)[:4] == ["released", "explicit", "released-cnn", "explicit-cnn"]
    assert list(both.studies)[4:8] == ["fashion-released", "fashion-explicit", "fashion-released-cnn",
                                       "fashion-explicit-cnn"]
    assert both.cnn_comparisons["fashion-explicit-cnn"] == "fashion-explicit"
    fashion = both.study("fashion-explicit")
    assert fashion.dataset == "fashion_mnist" and fashion.protocol.preset == "explicit"
    assert fashion.pairs[0] == "1-9" and fashion.tsne.pair == "0-6" and fashion.tsne.width == 24
    assert fashion.dead_neurons.paper_rows[1] == ("5-7", 16)


def test_studies_resolve_presets_and_overrides():
    config = default_config()
    config["studies"]["mine"] = {"dataset": "mnist", "pool": "test",
                                 "training": {"preset": "explicit", "lr": 0.1, "batch_size": "full"},
                                 "tsne": {"seed": 42}, "pruning": {"schemes": {"g": {"levels": [50], "scope": "global"}}}}
    settings = load_settings(config, SCHEMA)
    released, explicit, mine = (settings.study(n) for n in ("released", "explicit", "mine"))
    assert released.protocol == Protocol(0.03, 100, None, "normal", 0.1, "released")
    assert (explicit.protocol.batch_size, explicit.protocol.init) == (128, "xavier_uniform")
    assert (mine.protocol.lr, mine.protocol.batch_size, mine.protocol.init) == (0.1, None, "xavier_uniform")
    assert mine.tsne.seed == 42 and released.tsne.seed == 0  # merged over the top level, for that study only
    assert [s.name for s in mine.pruning] == ["per-layer", "as-released", "g"]
    assert mine.pruning_levels("per-layer") == tuple(sorted({*mine.scheme("per-layer").levels, 95.0}))
    with pytest.raises(ConfigError, match="study .nope. is not configured; configured studies: released, explicit, released-cnn, explicit-cnn, mine"):
        settings.study("nope")


def test_protocol_presets():
    assert protocol({}) == protocol({"preset": "released"})
    assert protocol({"preset": "explicit", "epochs": 7}).epochs == 7


@pytest.mark.parametrize(
    "edit, expected",
    [
        (lambda c: c.update(epoch=3), "unknown config key: 'epoch'; allowed keys: .*data"),
        (lambda c: c["studies"]["released"]["training"].update(learning_rate=0.1),
         "under 'studies.released.training': 'learning_rate'; allowed keys: .*lr"),
        (lambda c: c["pairs"].append("4-x"), r"'pairs\[5\]' = '4-x'.*two different classes 0-9"),
        (lambda c: c["pairs"].append("3-3"), r"'pairs\[5\]' is '3-3'.*two different classes"),
        (lambda c: c["pairs"].append("12-3"), r"'pairs\[5\]' = '12-3'.*0-9"),
        (lambda c: c["widths"].append(0), r"'widths\[11\]' = 0.*integers >= 1"),
        (lambda c: c["widths"].append(-4), r"'widths\[11\]' = -4"),
        (lambda c: c["widths"].append(5.0), r"'widths\[11\]' = 5.0: 5.0 is not of type 'integer'; allowed: hidden widths are integers >= 1"),
        (lambda c: c["studies"]["explicit"]["training"].update(lr=-0.03), r"'studies.explicit.training.lr' = -0.03.*a learning rate > 0"),
        (lambda c: c["studies"]["released"].update(pool="all"), r"'studies.released.pool' is 'all'; allowed values: 'train', 'test'"),
        (lambda c: c["studies"]["released"].update(dataset="cifar"), r"'studies.released.dataset' is 'cifar'; allowed values: 'mnist', 'fashion_mnist'"),
        (lambda c: c["studies"]["released"]["training"].update(preset="paper"), r"'studies.released.training.preset'.*'released', 'explicit'"),
        (lambda c: c["studies"].update({"Bad_Name": {"dataset": "mnist", "pool": "test"}}), r"study name 'Bad_Name'.*lowercase"),
        (lambda c: c["lr_sweep"].update(pair="4-10"), r"'lr_sweep.pair' = '4-10'"),
        (lambda c: c["lr_sweep"].update(pair="4-4"), r"'lr_sweep.pair' is '4-4'; allowed: two different classes"),
        (lambda c: c["tsne"].update(seed=5), r"'tsne.seed' is 5; allowed: a seed of the study's grid \[0, 42, 78\]"),
        (lambda c: c["saliency"].update(seed=5), r"'saliency.seed' is 5; allowed: a seed of the study's grid"),
        (lambda c: c["studies"]["explicit"].update(saliency={"width": 5}), r"'studies.explicit.saliency.width' is 5"),
        (lambda c: c["saliency"].update(width=5), r"'saliency.width' is 5; allowed: a width"),
        (lambda c: c["robustness"].update(widths=[2, 3]), r"'robustness.widths' names \[3\]"),
        (lambda c: c["dead_neurons"].update(scheme="nope"), r"'dead_neurons.scheme' is 'nope'; allowed: one of the pruning schemes \['per-layer', 'as-released'\]"),
        (lambda c: c["pruning"]["schemes"]["per-layer"].update(scope="all"), r"'pruning.schemes.per-layer.scope' is 'all'"),
        (lambda c: c["data"].update(mnist={"mirror": 3}), r"'data.mnist.mirror' = 3"),
    ],
)
def test_bad_values_are_rejected_naming_key_and_allowed(edit, expected):
    config = default_config()
    edit(config)
    with pytest.raises(ConfigError, match=expected):
        load_settings(config, SCHEMA)


def test_command_line_strings_become_numbers_where_the_schema_wants_numbers():
    """`snakemake --config widths=[2,4]` hands the values over as strings."""
    config = default_config()
    config.update(widths=["2", "4"], seeds=["0"], pairs=["0-1"])
    config["tsne"].update(width="4", seed="0", pair="0-1")
    config["saliency"].update(width="4", seed="0", pair="0-1")
    config["lr_sweep"]["lrs"] = ["0.01", "0.03"]
    config["dead_neurons"]["paper_rows"] = [{"pair": "0-1", "width": "4"}]
    settings = load_settings(config, SCHEMA)
    study = settings.study("released")
    assert study.widths == (2, 4) and study.seeds == (0,) and study.lr_sweep.lrs == (0.01, 0.03)
    assert study.pairs == ("0-1",)  # strings that the schema wants as strings stay strings
    config["widths"] = ["2", "four"]
    with pytest.raises(ConfigError, match=r"'widths\[1\]' = 'four'"):
        check_config(copy.deepcopy(config), SCHEMA)


def test_yaml_syntax_error_names_file_and_line(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text("studies:\n  released:\n    pool: [test\n")
    with pytest.raises(ConfigError, match=r"bad.yaml, line \d+, column \d+"):
        read_yaml(path)


def test_the_config_checker_names_the_file_and_line_and_validates(tmp_path, capsys):
    from lowcap.core.settings import main

    bad = tmp_path / "bad.yaml"
    bad.write_text("studies:\n  released:\n    pool: [test\n")
    assert main([str(bad)]) == 1
    assert "bad.yaml, line" in capsys.readouterr().err
    assert main([str(REPO / "configs/mnist-10k-local.yaml")]) == 0
    assert "released: mnist, pool test" in capsys.readouterr().out
    wrong = tmp_path / "wrong.yaml"
    wrong.write_text("tsne: {seed: 5}\n")
    assert main([str(wrong)]) == 1
    assert "'tsne.seed' is 5" in capsys.readouterr().err


# ---------------------------------------------------------------- issue 16: accepted and silently wrong
# The default config reads the official 60k pool: its validation sizes follow from the official
# class counts and make_split's rule (tests/test_data.py checks both against the files). 4-9:
# 5842 fours kept of each class, round(0.2 * 5842) = 1168 per class, 2336 images; 5-6 (the
# smallest): 5421 fives, 1084 per class, 2168 images.


@pytest.mark.parametrize(
    "edit, expected",
    [
        (lambda c: c["claims"].update(noise_sigma=0.25),
         r"'claims.noise_sigma' is 0.25, a noise level study 'released' does not evaluate; allowed: one of its "
         r"robustness.noise_sigmas \[0.1, 0.2, 0.3, 0.4, 0.5\]"),
        (lambda c: c["claims"]["pruning_levels"]["per-layer"].update({"95": 96}),
         r"'claims.pruning_levels.per-layer.95' is 96 .*studies \['released', 'explicit', 'released-cnn', "
         r"'explicit-cnn'\] does not compute.*allowed: one of its levels \[10.0, .*99.0\]"),
        (lambda c: c["claims"]["pruning_levels"].update({"per_layer": {"95": 95}}),
         r"'claims.pruning_levels' names the pruning scheme 'per_layer', which no claims study has; allowed: "
         r"\['as-released', 'global', 'per-layer'\]"),
        (lambda c: c["claims"]["pruning_levels"]["per-layer"].update({95.0: 95}),
         r"'claims.pruning_levels.per-layer' is 95.0; allowed values: '95', '99'"),
        (lambda c: c["dead_neurons"]["paper_rows"].append({"pair": "2-3", "width": 12}),
         r"'dead_neurons.paper_rows\[3\]' is \{'pair': '2-3', 'width': 12\}; allowed: a pair of the study's pairs"),
        (lambda c: c["dead_neurons"]["paper_rows"].append({"pair": "4-9", "width": 5}),
         r"'dead_neurons.paper_rows\[3\]' .*a width of its grid \[2, 4, 6"),
        (lambda c: c["tsne"].update(perplexity=2336), r"'tsne.perplexity' is 2336 \(study 'released'\), above what "
                                                      r"the 2336 validation images of pair '4-9'.*at most 2335"),
        (lambda c: c["tsne"].update(knn_k=2336), r"'tsne.knn_k' is 2336 .*at most 2335"),
        (lambda c: c["mutual_info"].update(n_neighbors=1084),
         r"'mutual_info.n_neighbors' is 1084 .*1084 validation images per class of pair '5-6'.*at most 1083"),
        (lambda c: c["saliency_shift"].update(n_images=2169),
         r"'saliency_shift.n_images' is 2169 .*2168 validation images of pair '5-6'.*at most 2168"),
        (lambda c: c["studies"]["explicit"].update(tsne={"perplexity": 3000}),
         r"'studies.explicit.tsne.perplexity' is 3000 \(study 'explicit'\)"),
        (lambda c: c.update(pairs=["9-4"]), r"'pairs\[0\]' is '9-4': write it 4-9 \(the lower class first"),
        (lambda c: c.update(pairs=["4-9", "9-4"]), r"'pairs\[1\]' is '9-4': write it 4-9"),
        (lambda c: c["lr_sweep"].update(pair="9-4"), r"'lr_sweep.pair' is '9-4': write it 4-9"),
        (lambda c: c["budget"].update(epochs=[25, 100]),
         r"'budget.epochs' holds 100, the epochs of budget.study 'released' itself"),
        (lambda c: c["claims"].update(studies=["released", "nope"]), r"'claims.studies' names \['nope'\]"),
        (lambda c: c["data"]["mnist"].update(mirror="/no/such/mirror"),
         r"'data.mnist.mirror' is '/no/such/mirror': no such directory"),
    ],
)
def test_values_a_job_would_clamp_ignore_or_fail_on_late_are_refused(edit, expected):
    """Issue 16, findings 2 and 3: each of these was accepted, and the run silently measured
    something else (or failed late)."""
    config = default_config()
    edit(config)
    with pytest.raises(ConfigError, match=expected):
        load_settings(config, SCHEMA)


def test_the_shipped_values_sit_at_or_below_the_data_limits():
    config = default_config()
    config["tsne"].update(perplexity=2335, knn_k=2335)
    config["mutual_info"].update(n_neighbors=1083)
    config["saliency_shift"].update(n_images=2168)
    config["budget"].update(epochs=[25, 99])
    load_settings(config, SCHEMA)


def test_data_limits_come_from_the_mirrors_labels(tmp_path):
    """A mirror with other data (a custom sha256): the sizes are counted from its labels file.
    The synthetic pool has 120 images of each class: 24 per class validate, 48 per pair."""
    from conftest import write_synthetic_mirror

    sha = write_synthetic_mirror(tmp_path / "mirror")
    config = default_config()
    config["data"]["mnist"] = {"mirror": str(tmp_path / "mirror"), "sha256": sha}
    for study in ("released", "explicit", "released-cnn", "explicit-cnn"):
        config["studies"][study]["pool"] = "test"
    config["tsne"]["knn_k"] = 47
    load_settings(config, SCHEMA)
    config["tsne"]["knn_k"] = 48
    with pytest.raises(ConfigError, match=r"'tsne.knn_k' is 48 .*48 validation images of pair '4-9' \(dataset "
                                          r"'mnist', pool 'test'\).*at most 47"):
        load_settings(config, SCHEMA)
    (tmp_path / "mirror" / "t10k-labels-idx1-ubyte.gz").unlink()
    with pytest.raises(ConfigError, match=r"'data.mnist.mirror' is .*, which lacks the files that dataset 'mnist', "
                                          r"pool 'test' needs: .*t10k-labels-idx1-ubyte.gz \(studies \['released'"):
        load_settings(config, SCHEMA)


def test_the_config_checker_checks_as_the_pipeline_does(tmp_path, capsys):
    """Issue 16, finding 6: `python3 -m lowcap.core.settings` accepted an empty file and a missing
    mirror, and crashed with AttributeError on a file whose top level is a list."""
    from lowcap.core.settings import main

    cases = {"empty.yaml": ("", r"empty.yaml is empty; allowed: config keys at the top level"),
             "list.yaml": ("- studies\n- pairs\n", r"list.yaml holds a list at its top level; allowed"),
             "mirror.yaml": ("data: {mnist: {mirror: /no/such/mirror}}\n",
                             r"config key 'data.mnist.mirror' is '/no/such/mirror': no such directory"),
             "sigma.yaml": ("claims: {noise_sigma: 0.25}\n", r"'claims.noise_sigma' is 0.25")}
    for name, (text, expected) in cases.items():
        (tmp_path / name).write_text(text)
        assert main([str(tmp_path / name)]) == 1
        assert re.search(expected, capsys.readouterr().err), name
    assert main([str(tmp_path / "absent.yaml")]) == 1
    assert "config file " in capsys.readouterr().err


def test_a_mistake_repeated_per_study_names_each_study():
    config = default_config()
    config["tsne"].update(seed=5)
    with pytest.raises(ConfigError) as caught:
        load_settings(config, SCHEMA)
    lines = [line for line in str(caught.value).splitlines() if "'tsne.seed' is 5" in line]
    assert [line.rsplit("(study ", 1)[1] for line in lines] == ["'released')", "'explicit')"]


@pytest.mark.parametrize("target, analysis", [
    ("results/released-cnn/imp/4-9.csv", "imp"),
    ("results/released-cnn/figures/mutual_info.png", "mutual_info"),
    ("results/released-cnn/figures/saliency_shift_4-9.png", "saliency_shift"),
    ("results/released-cnn/figures/fig5_tsne.png", "tsne"),
    ("results/released-cnn/figures/fig8_saliency.png", "saliency"),
])
def test_a_target_the_study_does_not_build_is_refused_at_dag_time(tmp_path, mnist_mirror, target, analysis):
    """Issue 16, finding 4: on a CNN study these failed inside jobs (two advising to delete a valid
    checkpoint), or with a bare MissingInputException. Now the DAG is refused, naming the studies
    that build the analysis."""
    import subprocess
    import sys

    from conftest import tiny_config

    (tmp_path / "tiny.yaml").write_text(yaml.safe_dump(tiny_config(mnist_mirror)))
    result = subprocess.run([sys.executable, "-m", "snakemake", target, "--snakefile", str(REPO / "Snakefile"),
                             "--directory", str(tmp_path), "--configfile", str(tmp_path / "tiny.yaml"), "-n"],
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 1
    output = result.stdout + result.stderr
    found = re.search(rf"study 'released-cnn' \(architecture cnn\) does not build {analysis}: it builds capacity, "
                      rf"pruning, robustness. Studies that build {analysis}: (.*)\.\n", output)
    assert found and sorted(found.group(1).split(", ")) == ["explicit", "released"], output[-2000:]
    assert not (tmp_path / "results").exists() or not any((tmp_path / "results").rglob("*.pt"))
