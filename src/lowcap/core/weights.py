"""Initial weights drawn from one seeded generator, shared by the two architectures
(lowcap.core.model's MLP and lowcap.core.cnn's CNN): a module of its own, so that neither model
module imports the other (lowcap.core.model imports the CNN to load its checkpoints)."""

from __future__ import annotations

import torch
from torch import nn


def draw_weights(shapes: list[tuple[int, ...]], seed: int, init: str, init_std: float) -> list[torch.Tensor]:
    """Weight tensors of the given shapes, in order, from one generator seeded with `seed`:
    N(0, init_std^2) or Xavier-uniform (torch's fans). One model's draws never depend on what else
    is trained."""
    g = torch.Generator().manual_seed(seed)
    out = []
    for shape in shapes:
        w = torch.empty(shape)
        if init == "normal":
            nn.init.normal_(w, 0.0, init_std, generator=g)
        elif init == "xavier_uniform":
            nn.init.xavier_uniform_(w, generator=g)
        else:
            raise ValueError(f"init must be 'normal' or 'xavier_uniform', not {init!r}")
        out.append(w)
    return out
