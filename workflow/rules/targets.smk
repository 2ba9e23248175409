# What each study builds: per analysis, the paths of its figures and tables for a study
# (study_targets joins those of the study's analyses), and the comparisons across studies.


def capacity_targets(study):
    return [
        *expand(
            f"{FIGURES}/fig3_capacity_{{split}}.png",
            study=study.name,
            split=["train", "val"],
        ),
        *expand(
            f"{FIGURES}/figA_curves_{{pair}}.png", study=study.name, pair=study.pairs
        ),
        f"{TABLES}/min_capacity.csv".format(study=study.name),
    ]


def sweep_reuses_grid(study):
    return (
        study.lr_sweep.pair in study.pairs and study.protocol.lr in study.lr_sweep.lrs
    )


def sweep_trained_lrs(study):
    return [
        lr
        for lr in study.lr_sweep.lrs
        if not (sweep_reuses_grid(study) and lr == study.protocol.lr)
    ]


def lr_sweep_targets(study):
    return expand(
        f"{FIGURES}/{{name}}.png",
        study=study.name,
        name=["fig1_lr_sweep", "fig2_lr_heatmap"],
    )


def pruning_targets(study):
    schemes = [s.name for s in study.pruning]
    return [
        *expand(
            f"{FIGURES}/fig4_{{scheme}}_{{kind}}_{{pair}}.png",
            study=study.name,
            scheme=schemes,
            kind=PRUNING_FIGURE_KINDS,
            pair=study.pairs,
        ),
        *expand(
            f"{TABLES}/max_sparsity_{{scheme}}.csv", study=study.name, scheme=schemes
        ),
        f"{TABLES}/dead_neurons.csv".format(study=study.name),
    ]


def robustness_targets(study):
    return [
        *expand(
            f"{FIGURES}/{{fig}}_{{pair}}.png",
            study=study.name,
            fig=["fig6_noise", "fig7_occlusion"],
            pair=study.robustness.pairs,
        ),
        f"{FIGURES}/figD1_corruption_examples.png".format(study=study.name),
    ]


def tsne_targets(study):
    return [
        f"{FIGURES}/fig5_tsne.png".format(study=study.name),
        f"{TABLES}/tsne_similarity.csv".format(study=study.name),
    ]


def saliency_targets(study):
    return [f"{FIGURES}/fig8_saliency.png".format(study=study.name)]


def imp_targets(study):
    return [
        *expand(f"{FIGURES}/imp_{{pair}}.png", study=study.name, pair=study.pairs),
        f"{FIGURES}/imp_recovery.png".format(study=study.name),
        f"{TABLES}/imp_max_sparsity.csv".format(study=study.name),
    ]


def mutual_info_targets(study):
    return [
        f"{FIGURES}/mutual_info.png".format(study=study.name),
        f"{TABLES}/mutual_info.csv".format(study=study.name),
    ]


def saliency_shift_targets(study):
    return [
        *expand(
            f"{FIGURES}/saliency_shift_{{pair}}.png",
            study=study.name,
            pair=study.robustness.pairs,
        ),
        f"{TABLES}/saliency_shift_predicts_drop.csv".format(study=study.name),
    ]


def study_targets(wildcards):
    study = study_of(wildcards)
    targets = {
        "capacity": capacity_targets,
        "lr_sweep": lr_sweep_targets,
        "pruning": pruning_targets,
        "robustness": robustness_targets,
        "tsne": tsne_targets,
        "saliency": saliency_targets,
        "imp": imp_targets,
        "mutual_info": mutual_info_targets,
        "saliency_shift": saliency_shift_targets,
    }
    return [path for analysis in study.analyses for path in targets[analysis](study)]


def comparison_targets():
    """The MLP-against-CNN figure and table of every CNN study that has an MLP study to compare with."""
    return [
        path.format(study=name) + ext
        for name in SETTINGS.cnn_comparisons
        for path, ext in ((COMPARISON, ".png"), (COMPARISON_TABLE, ".csv"))
    ]
