"""Training protocols: what decides how one model is trained.

A module of its own, so that the training jobs' code digest does not change when the config
validation does (lowcap.core.provenance).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

# The two protocols of the README. `released` follows the authors' released code; `explicit` is
# the minibatch re-run the paper's reviewers asked for. Keys set beside the preset override it.
PRESETS = {
    "released": {"lr": 0.03, "epochs": 100, "batch_size": "full", "init": "normal", "init_std": 0.1},
    "explicit": {"lr": 0.03, "epochs": 100, "batch_size": 128, "init": "xavier_uniform", "init_std": 0.1},
}


@dataclass(frozen=True)
class Protocol:
    """Everything that decides how one model is trained (a study's `training`, preset resolved)."""

    lr: float
    epochs: int
    batch_size: int | None  # None: full batch, one step per epoch
    init: str
    init_std: float
    preset: str = "custom"  # the preset it came from; "custom" when built by hand

    def as_meta(self) -> dict:
        return {**asdict(self), "batch_size": "full" if self.batch_size is None else self.batch_size}



def protocol(training: dict) -> Protocol:
    """The preset named by `preset` (default released), with any keys set beside it taken over."""
    values = {"preset": "released", **training}
    values = {**PRESETS[values["preset"]], **values}
    batch = values["batch_size"]
    return Protocol(
        preset=values["preset"],
        lr=float(values["lr"]),
        epochs=int(values["epochs"]),
        batch_size=None if batch == "full" else int(batch),
        init=values["init"],
        init_std=float(values["init_std"]),
    )
