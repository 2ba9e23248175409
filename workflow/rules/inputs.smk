# Input functions and params that rules share, each named after what it returns: the files a rule
# reads (lists, or dicts for named input) and the grids its checked table reads expect.


def lr_sweep_histories(wildcards):
    """The sweep's histories: one per seed for the lrs it trains, and the grid's own history of
    the pair when it holds the study's lr (sweep_reuses_grid)."""
    study = study_of(wildcards)
    pair = study.lr_sweep.pair
    histories = (
        expand(LR_SWEEP_HISTORY, study=study.name, pair=pair, seed=SEEDS)
        if sweep_trained_lrs(study)
        else []
    )
    if sweep_reuses_grid(study):
        histories += [HISTORY.format(study=study.name, pair=pair)]
    return histories


def lr_sweep_grid_checkpoints(wildcards):
    """The grid's checkpoints of the sweep pair when the sweep reuses the grid's history: not
    read, but asking for them reruns training when a width or seed is added."""
    study = study_of(wildcards)
    if not sweep_reuses_grid(study):
        return []
    return checkpoint_paths(study.name, [study.lr_sweep.pair], study.widths, SEEDS)


def scheme_of(wildcards):
    try:
        return study_of(wildcards).scheme(wildcards.scheme)
    except ConfigError as err:
        raise WorkflowError(str(err)) from None


def tsne_models(wildcards):
    """The Fig. 5 model first, then the same pair and width from the grid's other seeds (for scale)."""
    t = study_building(wildcards, "tsne").tsne
    return [[t.pair, t.width, t.seed]] + [
        [t.pair, t.width, s] for s in SEEDS if s != t.seed
    ]


def saliency_model(wildcards):
    s = study_building(wildcards, "saliency").saliency
    return [s.pair, s.width, s.seed]


def claims_inputs(name):
    """The files one study's claims are measured from, as the claims job reads them."""
    study = SETTINGS.study(name)
    paths = lambda template, **kw: template.format(study=name, **kw)
    inputs = {
        "histories": [paths(HISTORY, pair=p) for p in study.pairs],
        "baseline": paths(f"{TABLES}/logistic_baseline.csv"),
        "pruning": {
            s.name: [paths(PRUNING_TABLE, scheme=s.name, pair=p) for p in study.pairs]
            for s in study.pruning
        },
        "dead_neurons": paths(f"{TABLES}/dead_neurons.csv"),
        "tsne": paths(f"{TABLES}/tsne_similarity.csv"),
        "saliency_cases": "results/{study}/saliency/cases.csv".format(study=name),
        "saliency_maps": "results/{study}/saliency/maps.npz".format(study=name),
        # Every robustness pair the study builds (the findings read the last, the hardest).
        "robustness": [paths(ROBUSTNESS_TABLE, pair=p) for p in study.robustness.pairs],
        "imp": (
            [paths(IMP_TABLE, pair=p) for p in study.pairs]
            if "imp" in study.analyses
            else []
        ),
        "mutual_info": (
            paths(f"{TABLES}/mutual_info.csv")
            if "mutual_info" in study.analyses
            else []
        ),
        "saliency_shift": (
            paths(f"{TABLES}/saliency_shift_predicts_drop.csv")
            if "saliency_shift" in study.analyses
            else []
        ),
    }
    if study.architecture == "cnn":
        # No t-SNE or saliency model: those claims are "not testable" for a CNN (lowcap.claims).
        for key in ("tsne", "saliency_cases", "saliency_maps"):
            del inputs[key]
    return inputs


def claims_studies(wildcards):
    """Per claims study: its pairs, occlusion size, architecture, pool and input files (a plain
    dict, as a param); every key of `inputs` becomes one of the study's tables (lowcap.jobs.claims).
    """
    return {
        name: {
            "pairs": list(SETTINGS.study(name).pairs),
            "occlusion_size": SETTINGS.study(name).robustness.occlusion_size,
            "architecture": SETTINGS.study(name).architecture,
            "pool": SETTINGS.study(name).pool,
            "inputs": {
                **claims_inputs(name),
                "imp_tolerance_points": SETTINGS.study(name).imp.tolerance_points,
            },
            "grids": claims_grids(name),
        }
        for name in SETTINGS.claim_studies
    }


def claims_grids(name):
    """The complete grid of each intermediate table the claims read, checked on read."""
    study = SETTINGS.study(name)
    return {
        "widths": list(study.widths),
        "seeds": SEEDS,
        "pruning": {
            s.name: {"scope": s.scope, "levels": list(study.pruning_levels(s.name))}
            for s in study.pruning
        },
        "robustness": {
            "pairs": list(study.robustness.pairs),
            "widths": list(study.robustness.widths),
            "sigmas": list(study.robustness.noise_sigmas),
        },
        "imp": {
            "rate": study.imp.rate,
            "rounds": study.imp.rounds,
            "target_sparsity": study.imp.target_sparsity,
        },
    }


def input_files(inputs):
    """Every path of a claims_inputs dict, in order: its lists and its dicts of lists flattened."""
    files = []
    for value in inputs.values():
        if isinstance(value, dict):
            value = [p for paths in value.values() for p in paths]
        files += value if isinstance(value, list) else [value]
    return files


def claims_inputs_flat(wildcards):
    return [
        f for name in SETTINGS.claim_studies for f in input_files(claims_inputs(name))
    ]


def budget_inputs(wildcards):
    return [f"{TABLES}/min_capacity.csv".format(study=name) for name in SETTINGS.budget]


def findings_studies(wildcards):
    """Per claims study: the claims' inputs and its capacity table (a plain dict, as a param)."""
    return {
        name: {
            "inputs": claims_inputs(name),
            "min_capacity": f"{TABLES}/min_capacity.csv".format(study=name),
            "imp_tolerance_points": SETTINGS.study(name).imp.tolerance_points,
            "pairs": list(SETTINGS.study(name).pairs),
        }
        for name in findings_study_names()
    }


def findings_study_names():
    """The MLP claims studies: the findings detail the paper's MLP claims (the CNN studies have
    their own comparison tables, COMPARISON_TABLE)."""
    return [
        n for n in SETTINGS.claim_studies if SETTINGS.study(n).architecture == "mlp"
    ]


def findings_budget(wildcards):
    return {
        name: {
            "epochs": SETTINGS.study(name).protocol.epochs,
            "min_capacity": f"{TABLES}/min_capacity.csv".format(study=name),
        }
        for name in SETTINGS.budget
    }


def findings_inputs(wildcards):
    return [
        path
        for name in findings_study_names()
        for path in input_files(claims_inputs(name))
    ] + [
        entry["min_capacity"]
        for group in (findings_studies(wildcards), findings_budget(wildcards))
        for entry in group.values()
    ]


def comparison_study(name):
    """What the comparison job reads of one study: its histories and max-sparsity tables."""
    study = SETTINGS.study(name)
    return {
        "name": name,
        # The grid its tables must hold, checked when they are read.
        "pairs": list(study.pairs),
        "widths": list(study.widths),
        "seeds": SEEDS,
        "histories": [HISTORY.format(study=name, pair=p) for p in study.pairs],
        "max_sparsity": {
            s.name: f"{TABLES}/max_sparsity_{s.name}.csv".format(study=name)
            for s in study.pruning
        },
    }


def comparison_inputs(wildcards):
    if wildcards.study not in SETTINGS.cnn_comparisons:
        raise WorkflowError(
            f"no MLP study to compare {wildcards.study!r} with; CNN studies with one: "
            f"{', '.join(SETTINGS.cnn_comparisons) or 'none'}"
        )
    files = []
    for name in (SETTINGS.cnn_comparisons[wildcards.study], wildcards.study):
        study = comparison_study(name)
        files += study["histories"] + list(study["max_sparsity"].values())
    return files


def pruning_grid(wc, scheme):
    """The rows a scheme's pair table holds (pruning_pair's params), checked when it is read."""
    study = study_of(wc)
    return {
        "widths": list(study.widths),
        "seeds": SEEDS,
        "scope": study.scheme(scheme).scope,
        "levels": list(study.pruning_levels(scheme)),
    }


def imp_grid(wc):
    """The rows an imp_pair table holds (its params), checked when it is read."""
    return {"widths": WIDTHS, "seeds": SEEDS, "imp": asdict(study_of(wc).imp)}


def imp_params(*keys):
    """Params of the study's imp section, one per key, named as the section names them."""
    return {key: (lambda wc, key=key: getattr(study_of(wc).imp, key)) for key in keys}


def saliency_shift_grid(wc):
    """The rows a saliency_shift_pair table holds (its params), checked when it is read."""
    robustness = study_of(wc).robustness
    return {
        "widths": list(robustness.widths),
        "seeds": SEEDS,
        "sigmas": list(robustness.noise_sigmas),
    }
