"""t-SNE figure (paper Fig. 5) from the embedding table that lowcap.analyses.tsne writes. No torch."""

from __future__ import annotations

import pandas as pd

from lowcap.figures import plots

# The embedding table's panels, its column prefixes: lowcap.analyses.tsne.PANELS, named again here
# because that module imports torch (tests/test_tsne.py checks the two agree).
PANELS = ("dense", "pruned_in_dense", "pruned_own")


def plot_tsne(table: pd.DataFrame, panel_titles: dict[str, str], title: str, png, pdf) -> None:
    """Paper Fig. 5: the panels side by side, points coloured by class. The first two panels share
    their axes (the pruned points are placed into the dense map); the third has its own."""
    plt = plots.pyplot()

    digits = sorted(table["digit"].unique())
    colours = dict(zip(digits, ["tab:blue", "tab:orange"] if len(digits) == 2 else plt.cm.tab10.colors))
    fig, axes = plt.subplots(1, len(PANELS), figsize=(4.2 * len(PANELS), 4.6))
    for ax, name in zip(axes, PANELS):
        for digit in digits:
            rows = table[table["digit"] == digit]
            ax.scatter(rows[f"{name}_x"], rows[f"{name}_y"], s=6, alpha=0.7, color=colours[digit],
                       label=f"digit {digit}", lw=0)
        ax.set_title(panel_titles[name], fontsize=9)
        ax.set_xticks([])
        ax.set_yticks([])
    # The placed points share the dense map's coordinates: show both on the same limits.
    shared = pd.concat([table[["dense_x", "dense_y"]].set_axis(["x", "y"], axis=1),
                        table[["pruned_in_dense_x", "pruned_in_dense_y"]].set_axis(["x", "y"], axis=1)])
    pad = 0.05 * (shared.max() - shared.min())
    for ax in axes[:2]:
        ax.set_xlim(shared["x"].min() - pad["x"], shared["x"].max() + pad["x"])
        ax.set_ylim(shared["y"].min() - pad["y"], shared["y"].max() + pad["y"])
    axes[0].legend(fontsize=8, markerscale=2)
    fig.suptitle(title, fontsize=9)
    fig.tight_layout()
    plots.save(fig, png, pdf)
