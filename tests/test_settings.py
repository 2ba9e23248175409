"""Config validation (schema and cross-key checks) and the typed settings built from it."""

import copy
from pathlib import Path

import pytest
import yaml

from lowcap.settings import ConfigError, Protocol, check_config, load_settings, merge_files, protocol, read_yaml

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
    both = load_settings(merged(REPO / "configs/mnist-10k-local.yaml", REPO / "configs/fashion-mnist.yaml"), SCHEMA)
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
    from lowcap.settings import main

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
