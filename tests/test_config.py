from pathlib import Path

import pytest
import yaml

from lowcap.config import ConfigError, check_config, protocol

REPO = Path(__file__).resolve().parents[1]
SCHEMA = REPO / "workflow" / "schemas" / "config.schema.yaml"


def default_config():
    return yaml.safe_load((REPO / "config.yaml").read_text())


def merged(*paths):
    """As `snakemake --configfile`: the file's keys update config.yaml's, nested dicts merged."""
    def update(base, new):
        for k, v in new.items():
            base[k] = update(base.get(k, {}), v) if isinstance(v, dict) and isinstance(base.get(k), dict) else v
        return base
    config = default_config()
    for p in paths:
        update(config, yaml.safe_load(p.read_text()))
    return config


def test_shipped_configs_are_valid():
    check_config(default_config(), SCHEMA)
    for path in sorted((REPO / "configs").glob("*.yaml")):
        check_config(merged(path), SCHEMA)


@pytest.mark.parametrize(
    "edit, expected",
    [
        (lambda c: c.update(epoch=3), "unknown config key: 'epoch'; allowed keys: .*dataset"),
        (lambda c: c["training"].update(learning_rate=0.1), "under 'training': 'learning_rate'; allowed keys: .*lr"),
        (lambda c: c["pairs"].append("4-x"), r"'pairs\[5\]' = '4-x'.*two different classes 0-9"),
        (lambda c: c["pairs"].append("3-3"), r"'pairs\[5\]' is '3-3'.*two different classes"),
        (lambda c: c["pairs"].append("12-3"), r"'pairs\[5\]' = '12-3'.*0-9"),
        (lambda c: c["widths"].append(0), r"'widths\[11\]' = 0.*integers >= 1"),
        (lambda c: c["widths"].append(-4), r"'widths\[11\]' = -4"),
        (lambda c: c["training"].update(lr=-0.03), r"'training.lr' = -0.03.*a learning rate > 0"),
        (lambda c: c["data"].update(pool="all"), r"'data.pool' is 'all'; allowed values: 'train', 'test'"),
        (lambda c: c.update(dataset="cifar"), r"'dataset' is 'cifar'; allowed values: 'mnist', 'fashion_mnist'"),
        (lambda c: c["training"].update(preset="paper"), r"'training.preset'.*'released', 'explicit'"),
        (lambda c: c["lr_sweep"].update(pair="4-10"), r"'lr_sweep.pair' = '4-10'"),
    ],
)
def test_bad_values_are_rejected_naming_key_and_allowed(edit, expected):
    config = default_config()
    edit(config)
    with pytest.raises(ConfigError, match=expected):
        check_config(config, SCHEMA)


def test_presets_and_overrides():
    config = default_config()
    released = protocol(config)
    assert (released.lr, released.epochs, released.batch_size, released.init, released.init_std) == (
        0.03, 100, None, "normal", 0.1)
    config["training"] = {"preset": "explicit"}
    explicit = protocol(config)
    assert (explicit.batch_size, explicit.init) == (128, "xavier_uniform")
    config["training"] = {"preset": "explicit", "lr": 0.1, "batch_size": "full"}
    assert protocol(config).lr == 0.1 and protocol(config).batch_size is None
