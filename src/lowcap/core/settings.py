"""Typed settings, built once from the validated config: one frozen dataclass per section.

Validation happens in two steps, both before any job runs:
1. the config is checked against workflow/schemas/config.schema.yaml (types, ranges, names);
2. each study's settings are resolved (preset, per-study overrides, defaults) and the keys that
   depend on each other are checked (a t-SNE model that is in the grid, a sweep pair of two
   different classes, ...).
Every error names the config key and what is allowed.

A study is everything that decides a checkpoint's numbers: dataset, pool and training protocol.
Its analyses (pairs and the analysis sections) are the top-level ones, with whatever the study
sets under its own name merged on top; widths and seeds are shared by every study (a CNN study,
`architecture: cnn`, takes the channel grid `cnn.channels` as its widths).
"""

from __future__ import annotations

import copy
import dataclasses
import re
from dataclasses import dataclass, field
from pathlib import Path

import jsonschema
import yaml

from lowcap.core.architecture import PRUNABLE_LAYERS
from lowcap.core.protocol import PRESETS, Protocol, protocol  # noqa: F401  (part of the settings' API)

# Keys of the top level that a study may override under its own name. Widths and seeds are one
# grid for all studies: the training job of a (study, pair) writes one checkpoint per (width,
# seed), and Snakemake's outputs must be known from the rule alone.
STUDY_OVERRIDABLE = ("pairs", "lr_sweep", "pruning", "dead_neurons", "robustness", "tsne", "saliency", "imp",
                     "mutual_info", "saliency_shift")
GRID = ("widths", "seeds")
# Study and pruning-scheme names become directory and file names, and wildcards (common.smk).
NAME = re.compile(r"^[a-z0-9][a-z0-9-]*$")


ANALYSES = ("capacity", "lr_sweep", "pruning", "robustness", "tsne", "saliency", "imp", "mutual_info",
            "saliency_shift")
# A CNN study (architecture: cnn, lowcap.core.cnn) builds these; its capacity grid is `cnn.channels`.
CNN_ANALYSES = ("capacity", "pruning", "robustness")


class ConfigError(ValueError):
    pass


# --------------------------------------------------------------------------- dataclasses


@dataclass(frozen=True)
class DataSource:
    """Where a dataset's IDX files come from. Not part of any result: the checksums decide what
    the bytes are, so moving the mirror reruns nothing."""

    mirror: str | None
    sha256: dict = field(default_factory=dict)


@dataclass(frozen=True)
class LrSweep:
    pair: str
    lrs: tuple[float, ...]


@dataclass(frozen=True)
class PruningScheme:
    """One-shot magnitude pruning at these requested levels (percent) and scope, leaving the layers
    in `layers_to_ignore` whole (lowcap.analyses.pruning.prune)."""

    name: str
    levels: tuple[float, ...]
    scope: str
    layers_to_ignore: tuple[str, ...] = ()


@dataclass(frozen=True)
class DeadNeurons:
    scheme: str
    sparsity: float
    paper_rows: tuple[tuple[str, int], ...]


@dataclass(frozen=True)
class Robustness:
    pairs: tuple[str, ...]  # resolved: null in the config means every pair of the study
    widths: tuple[int, ...]
    noise_sigmas: tuple[float, ...]
    occlusion_size: int
    example_sigma: float
    example_pair: str


@dataclass(frozen=True)
class Tsne:
    pair: str
    width: int
    seed: int
    sparsity: float
    scope: str
    perplexity: float
    random_state: int
    knn_k: int


@dataclass(frozen=True)
class Saliency:
    pair: str
    width: int
    seed: int
    sparsity: float
    scope: str
    epsilon: float


@dataclass(frozen=True)
class Imp:
    """Iterative magnitude pruning with fine-tuning (lowcap.analyses.imp)."""

    rate: float
    rounds: int
    finetune_epochs: int
    tolerance_points: float
    target_sparsity: float  # a level inserted into the schedule (lowcap.analyses.imp_tables.levels)


@dataclass(frozen=True)
class MutualInfo:
    sparsity: float
    scope: str
    n_neighbors: int
    random_state: int


@dataclass(frozen=True)
class SaliencyShift:
    n_images: int
    epsilon: float


@dataclass(frozen=True)
class Study:
    name: str
    dataset: str
    pool: str
    protocol: Protocol
    pairs: tuple[str, ...]
    widths: tuple[int, ...]
    seeds: tuple[int, ...]
    lr_sweep: LrSweep
    pruning: tuple[PruningScheme, ...]
    dead_neurons: DeadNeurons
    robustness: Robustness
    tsne: Tsne
    saliency: Saliency
    imp: Imp
    mutual_info: MutualInfo
    saliency_shift: SaliencyShift
    # What the study builds by default: every analysis, or (a training-budget study) capacity only.
    analyses: tuple[str, ...] = ANALYSES
    # mlp: the paper's 784 -> width -> 1; cnn: lowcap.core.cnn.CNN, `widths` holding channel counts.
    architecture: str = "mlp"

    def scheme(self, name: str) -> PruningScheme:
        for scheme in self.pruning:
            if scheme.name == name:
                return scheme
        raise ConfigError(f"study {self.name!r} has no pruning scheme {name!r}; "
                          f"its schemes: {', '.join(s.name for s in self.pruning)}")

    def pruning_levels(self, scheme: str) -> tuple[float, ...]:
        """The levels a scheme's evaluation job computes: its own, plus the dead-neuron level."""
        levels = set(self.scheme(scheme).levels)
        if scheme == self.dead_neurons.scheme:
            levels.add(self.dead_neurons.sparsity)
        return tuple(sorted(levels))


@dataclass(frozen=True)
class Settings:
    studies: dict[str, Study]
    data: dict[str, DataSource]
    claims: dict  # the `claims` section, `studies` resolved to a list of configured names
    budget: tuple[str, ...] = ()  # the training-budget axis: studies that differ in epochs only, by epochs

    @property
    def claim_studies(self) -> list[str]:
        return list(self.claims["studies"])

    @property
    def cnn_comparisons(self) -> dict[str, str]:
        """CNN study -> the MLP study it is compared with: the first configured MLP study of the
        same dataset, pool and training protocol (epochs included). CNN studies without one are left out."""
        out = {}
        for name, study in self.studies.items():
            if study.architecture != "cnn":
                continue
            for other in self.studies.values():
                if (other.architecture == "mlp" and (other.dataset, other.pool, other.protocol)
                        == (study.dataset, study.pool, study.protocol)):
                    out[name] = other.name
                    break
        return out

    def study(self, name: str) -> Study:
        if name not in self.studies:
            raise ConfigError(f"study {name!r} is not configured; configured studies: "
                              f"{', '.join(self.studies)} (config key 'studies')")
        return self.studies[name]


# --------------------------------------------------------------------------- validation


def _is_integer(checker, instance) -> bool:
    # JSON Schema counts 8.0 as an integer; torch does not. Widths, seeds and sizes must be ints.
    return isinstance(instance, int) and not isinstance(instance, bool)


_TYPE_CHECKER = jsonschema.Draft202012Validator.TYPE_CHECKER.redefine("integer", _is_integer)
_Validator = jsonschema.validators.extend(jsonschema.Draft202012Validator, type_checker=_TYPE_CHECKER)


def _key(path) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "<top level>"


def _describe(error: jsonschema.ValidationError) -> str:
    key = _key(error.absolute_path)
    schema = error.schema if isinstance(error.schema, dict) else {}
    allowed = schema.get("description")
    if error.validator == "additionalProperties":
        known = sorted(schema.get("properties", {}))
        unknown = sorted(set(error.instance) - set(known))
        where = "" if key == "<top level>" else f" under '{key}'"
        return f"unknown config key{where}: {', '.join(map(repr, unknown))}; allowed keys: {', '.join(known)}"
    if error.validator == "enum":
        return f"config key '{key}' is {error.instance!r}; allowed values: {', '.join(map(repr, error.validator_value))}"
    message = f"config key '{key}' = {error.instance!r}: {error.message}"
    return f"{message}; allowed: {allowed}" if allowed else message


def _coerce_number(text: str):
    """'8' -> 8, '0.03' -> 0.03; anything else unchanged."""
    for parse in (int, float):
        try:
            return parse(text)
        except ValueError:
            pass
    return text


def _set_path(config: dict, path: list, value) -> None:
    node = config
    for part in path[:-1]:
        node = node[part]
    node[path[-1]] = value


def _coerce_command_line_numbers(config: dict, validator) -> None:
    """`snakemake --config widths=[2,4]` passes ['2', '4']: strings where the schema wants numbers.
    Turn exactly those strings into numbers; every other value is left as it is."""
    for _ in range(100):
        fixes = [
            (list(e.absolute_path), _coerce_number(e.instance))
            for e in validator.iter_errors(config)
            if e.validator == "type" and isinstance(e.instance, str)
            and set(e.validator_value if isinstance(e.validator_value, list) else [e.validator_value])
            & {"integer", "number"}
        ]
        fixes = [(path, value) for path, value in fixes if not isinstance(value, str)]
        if not fixes:
            return
        for path, value in fixes:
            _set_path(config, path, value)


def load_schema(path: str | Path) -> dict:
    with open(path) as fh:
        return yaml.safe_load(fh)


def check_config(config: dict, schema_path: str | Path) -> None:
    """Raise ConfigError listing every schema problem, before any job runs."""
    validator = _Validator(load_schema(schema_path))
    _coerce_command_line_numbers(config, validator)
    errors = sorted(validator.iter_errors(config), key=lambda e: list(map(str, e.absolute_path)))
    problems = [_describe(e) for e in errors]
    if problems:
        raise ConfigError("invalid config:\n  " + "\n  ".join(problems))


# --------------------------------------------------------------------------- resolving


def _merged(base: dict, override: dict) -> dict:
    out = copy.deepcopy(base)
    for key, value in override.items():
        out[key] = _merged(out[key], value) if isinstance(value, dict) and isinstance(out.get(key), dict) else copy.deepcopy(value)
    return out


def _two_classes(pair: str) -> bool:
    return pair[0] != pair[2]


def _pair_problem(pair: str, key: str) -> str | None:
    """Why a pair is not allowed (two different classes, the lower first), or None."""
    if not _two_classes(pair):
        return f"config key '{key}' is {pair!r}; allowed: two different classes 0-9, e.g. '4-9'"
    if pair[0] > pair[2]:
        return (f"config key '{key}' is {pair!r}: write it {pair[2]}-{pair[0]!s} (the lower class first; "
                f"{pair!r} is the same task under another name)")
    return None


def _config_key(study: str, entry: dict, section: str, sub: str = "") -> str:
    """The config key a user would edit: the study's own (studies.{study}...) when the study sets it."""
    own = section in entry and (not sub or not isinstance(entry[section], dict) or sub in entry[section])
    return f"{'studies.' + study + '.' if own else ''}{section}{'.' + sub if sub else ''}"


def _ignored_layers_problems(ignored: tuple[str, ...], key: str, architecture: str) -> list[str]:
    """A scheme's layers_to_ignore must name some, not all, of the architecture's prunable layers."""
    allowed = PRUNABLE_LAYERS[architecture]
    if set(ignored) <= set(allowed) and set(allowed) - set(ignored):
        return []
    return [f"config key '{key}' is {list(ignored)}; allowed: some, not all, of the {architecture} prunable "
            f"layers {list(allowed)}"]


def _schemes(sections: dict, architecture: str, key, problems: list[str]) -> tuple[PruningScheme, ...]:
    """The study's pruning schemes; a bad name or layers_to_ignore entry appended to `problems`."""
    schemes = []
    for scheme_name, scheme in sections["pruning"]["schemes"].items():
        if not NAME.match(scheme_name):
            problems.append(f"pruning scheme name {scheme_name!r} (under '{key('pruning', 'schemes')}'): allowed: "
                            "lowercase letters, digits and '-'")
        ignored = tuple(scheme.get("layers_to_ignore", ()))
        problems.extend(_ignored_layers_problems(ignored, f"{key('pruning', 'schemes')}.{scheme_name}.layers_to_ignore",
                                                 architecture))
        schemes.append(PruningScheme(scheme_name, tuple(float(v) for v in scheme["levels"]), scheme["scope"], ignored))
    return tuple(schemes)


def _dead_neurons(dead: dict, schemes: tuple[PruningScheme, ...], pairs: tuple, widths: tuple, key,
                  problems: list[str]) -> DeadNeurons:
    """Table 1's settings: its scheme must be one of the study's, its paper rows in the grid."""
    scheme_names = [s.name for s in schemes]
    if dead["scheme"] not in scheme_names:
        problems.append(f"config key '{key('dead_neurons', 'scheme')}' is {dead['scheme']!r}; allowed: one of the "
                        f"pruning schemes {scheme_names}")
    for i, row in enumerate(dead["paper_rows"]):
        if row["pair"] not in pairs or row["width"] not in widths:
            problems.append(f"config key '{key('dead_neurons', 'paper_rows')}[{i}]' is {row}; allowed: a pair of "
                            f"the study's pairs {list(pairs)} and a width of its grid {list(widths)}")
    return DeadNeurons(dead["scheme"], float(dead["sparsity"]), tuple((r["pair"], int(r["width"])) for r in dead["paper_rows"]))


def _robustness(rob: dict, pairs: tuple, widths: tuple, key, problems: list[str]) -> Robustness:
    """The robustness grid: null pairs or widths mean the study's; each chosen one must be in it."""
    rob_pairs = tuple(rob.get("pairs") or pairs)
    rob_widths = tuple(rob.get("widths") or widths)
    example_pair = rob.get("example_pair") or rob_pairs[-1]
    for sub, chosen, grid in [("pairs", rob_pairs, pairs), ("widths", rob_widths, widths),
                              ("example_pair", (example_pair,), rob_pairs)]:
        if set(chosen) - set(grid):
            problems.append(f"config key '{key('robustness', sub)}' names {sorted(set(chosen) - set(grid))}; "
                            f"allowed: {'null or ' if sub != 'example_pair' else 'null or one of '}{list(grid)}")
    return Robustness(rob_pairs, rob_widths, tuple(float(s) for s in rob["noise_sigmas"]),
                      int(rob["occlusion_size"]), float(rob["example_sigma"]), example_pair)


def _one_model_problems(sections: dict, architecture: str, grid: dict, key) -> list[str]:
    """t-SNE and saliency each study one model: its pair, width and seed must be of the grid (a CNN
    study runs neither)."""
    problems = []
    for section in ("tsne", "saliency") if architecture == "mlp" else ():
        model = sections[section]
        for sub, values in grid.items():
            if model[sub] not in values:
                problems.append(f"config key '{key(section, sub)}' is {model[sub]!r}; allowed: a {sub} of the "
                                f"study's grid {list(values)}")
    return problems


def _open_questions(sections: dict) -> dict:
    """The settings of IMP, mutual information and saliency shift, typed."""
    imp, mi, shift = sections["imp"], sections["mutual_info"], sections["saliency_shift"]
    return {
        "imp": Imp(float(imp["rate"]), int(imp["rounds"]), int(imp["finetune_epochs"]), float(imp["tolerance_points"]),
                   float(imp["target_sparsity"])),
        "mutual_info": MutualInfo(float(mi["sparsity"]), mi["scope"], int(mi["n_neighbors"]), int(mi["random_state"])),
        "saliency_shift": SaliencyShift(int(shift["n_images"]), float(shift["epsilon"])),
    }


def _study(name: str, entry: dict, sections: dict, problems: list[str]) -> Study:
    """One study's settings from its config entry and its merged sections; problems appended."""
    def key(section: str, sub: str = "") -> str:
        return _config_key(name, entry, section, sub)

    if not NAME.match(name):
        problems.append(f"study name {name!r} (under 'studies'): allowed: lowercase letters, digits and '-', "
                        "starting with a letter or digit (it becomes a directory name under results/)")
    pairs, widths, seeds = (tuple(sections[k]) for k in ("pairs", *GRID))
    sweep = sections["lr_sweep"]
    named = [(pair, f"{key('pairs')}[{i}]") for i, pair in enumerate(pairs)] + [(sweep["pair"], key("lr_sweep", "pair"))]
    problems.extend(problem for pair, k in named if (problem := _pair_problem(pair, k)))
    architecture = entry.get("architecture", "mlp")
    schemes = _schemes(sections, architecture, key, problems)
    dead_neurons = _dead_neurons(sections["dead_neurons"], schemes, pairs, widths, key, problems)
    robustness = _robustness(sections["robustness"], pairs, widths, key, problems)
    problems.extend(_one_model_problems(sections, architecture, {"pair": pairs, "width": widths, "seed": seeds}, key))
    tsne, saliency = sections["tsne"], sections["saliency"]
    return Study(
        name=name, dataset=entry["dataset"], pool=entry["pool"], protocol=protocol(entry.get("training", {})),
        pairs=pairs, widths=widths, seeds=seeds,
        lr_sweep=LrSweep(sweep["pair"], tuple(float(v) for v in sweep["lrs"])),
        pruning=schemes, dead_neurons=dead_neurons, robustness=robustness,
        tsne=Tsne(**{**tsne, "sparsity": float(tsne["sparsity"]), "perplexity": float(tsne["perplexity"])}),
        saliency=Saliency(**{**saliency, "sparsity": float(saliency["sparsity"]), "epsilon": float(saliency["epsilon"])}),
        **_open_questions(sections),
        analyses=ANALYSES if architecture == "mlp" else CNN_ANALYSES,
        architecture=architecture,
    )


def load_settings(config: dict, schema_path: str | Path, check_data: bool = True) -> Settings:
    """Validate `config` (as Snakemake merged it) and resolve every study. Raises ConfigError.
    check_data: also check each used mirror and the settings bounded by the data's size (the
    pipeline does; False only to inspect a config for data not on this machine)."""
    check_config(config, schema_path)
    problems: list[str] = []
    top = {key: config[key] for key in (*STUDY_OVERRIDABLE, *GRID)}
    # Each study's merged sections are validated against the same schema as the top level.
    schema = load_schema(schema_path)
    section_validator = _Validator({**schema, "required": list(STUDY_OVERRIDABLE),
                                    "properties": {k: schema["properties"][k] for k in (*STUDY_OVERRIDABLE, *GRID)}})
    studies = {}
    for name, entry in config["studies"].items():
        merged = {k: _merged(top[k], entry[k]) if isinstance(top[k], dict) and k in entry else entry.get(k, top[k])
                  for k in STUDY_OVERRIDABLE}
        merged.update({k: top[k] for k in GRID})
        if entry.get("architecture", "mlp") == "cnn":
            # The CNN studies' capacity grid: channel counts, one grid for every CNN study.
            if "channels" not in (config.get("cnn") or {}):
                problems.append(f"study {name!r} has architecture 'cnn': config key 'cnn.channels' is missing; "
                                "allowed: a list of channel counts, integers >= 1, e.g. [1, 2, 4, 8, 16]")
                continue
            merged["widths"] = list(config["cnn"]["channels"])
        errors = [f"{_describe(e)} (in study {name!r})" for e in section_validator.iter_errors(merged)]
        if errors:
            problems.extend(errors)
            continue
        before = len(problems)
        studies[name] = _study(name, entry, merged, problems)
        # The same top-level mistake shows once per study: each names its study.
        problems[before:] = [p if f"study {name!r}" in p else f"{p} (study {name!r})" for p in problems[before:]]
    for dataset in {s.dataset for s in studies.values()}:
        if dataset not in config["data"]:
            problems.append(f"config key 'data.{dataset}' is missing; a study uses dataset {dataset!r}; "
                            "allowed: {mirror: null or a directory}")
    if problems:
        raise ConfigError("invalid config:\n  " + "\n  ".join(problems))
    data = {name: DataSource(entry.get("mirror"), dict(entry.get("sha256") or {}))
            for name, entry in config["data"].items()}
    problems += _data_problems(config, studies, data) if check_data else []
    complete = [name for name, study in studies.items()
                if study.analyses == ANALYSES or study.analyses == CNN_ANALYSES and study.architecture == "cnn"]
    budget = _budget_studies(config["budget"], studies)
    studies.update(budget)
    claims = copy.deepcopy(config["claims"])
    claims["studies"] = list(claims["studies"] or complete)
    problems += _claims_problems(claims, studies)
    if problems:
        raise ConfigError("invalid config:\n  " + "\n  ".join(problems))
    axis = () if not budget else tuple(sorted([config["budget"]["study"], *budget],
                                              key=lambda n: studies[n].protocol.epochs))
    return Settings(studies, data, claims, axis)


def _claims_problems(claims: dict, studies: dict[str, Study]) -> list[str]:
    """Claims settings that name what a claims study does not compute: the claim would turn
    'not testable' (or its rows vanish) instead of failing, so they are refused here."""
    unknown = [s for s in claims["studies"] if s not in studies]
    if unknown:
        return [f"config key 'claims.studies' names {unknown}; allowed: null or configured studies {list(studies)}"]
    problems = []
    chosen = [studies[name] for name in claims["studies"]]
    for study in chosen:
        if float(claims["noise_sigma"]) not in study.robustness.noise_sigmas:
            problems.append(f"config key 'claims.noise_sigma' is {claims['noise_sigma']!r}, a noise level study "
                            f"{study.name!r} does not evaluate; allowed: one of its robustness.noise_sigmas "
                            f"{list(study.robustness.noise_sigmas)}")
    schemes = sorted({scheme.name for study in chosen for scheme in study.pruning})
    problems += [f"config key 'claims.pruning_levels' names the pruning scheme {name!r}, which no claims study "
                 f"has; allowed: {schemes}" for name in claims["pruning_levels"] if name not in schemes]
    lacking = {}  # (scheme, paper level) -> the claims studies whose scheme does not compute it
    for study in chosen:
        for scheme in study.pruning:
            # A scheme left out of the map is judged at the paper's own levels, if it has them.
            for paper, level in claims["pruning_levels"].get(scheme.name, {}).items():
                if float(level) not in study.pruning_levels(scheme.name):
                    lacking.setdefault((scheme.name, paper), []).append(study)
    for (scheme, paper), group in lacking.items():
        level = claims["pruning_levels"][scheme][paper]
        problems.append(f"config key 'claims.pruning_levels.{scheme}.{paper}' is {level:g} (the level standing for "
                        f"the paper's {paper}%), which scheme {scheme!r} of studies {[s.name for s in group]} does "
                        f"not compute (the claim would be 'not testable'); allowed: one of its levels "
                        f"{list(group[0].pruning_levels(scheme))}, or add {level:g} to its levels")
    return problems


def _data_problems(config: dict, studies: dict[str, Study], data: dict[str, DataSource]) -> list[str]:
    """The mirror of every dataset a study uses, and the settings bounded by the number of
    validation images (known from the pool's labels and make_split's rule), checked up front."""
    from lowcap.core.data import DataError, check_mirror, check_sha256, pool_class_counts

    problems, users = [], {}
    for study in studies.values():
        users.setdefault((study.dataset, study.pool), []).append(study)
    for (dataset, pool), group in users.items():
        source = data[dataset]
        if source.mirror:
            try:
                check_mirror(dataset, pool, source.mirror)
            except DataError as err:
                problems.append(f"{err} (studies {[study.name for study in group]})")
                continue
        problems += check_sha256(dataset, pool, source.mirror, source.sha256)
        counts = pool_class_counts(dataset, pool, source.mirror, source.sha256)
        for study in group if counts is not None else ():
            problems += _size_problems(study, config["studies"][study.name], counts)
    return problems


def _size_problems(study: Study, entry: dict, counts) -> list[str]:
    """Settings above what the study's validation splits allow, which a library would lower or a
    job would clamp (or fail on late)."""
    from lowcap.core.data import parse_pair, split_sizes

    def key(section: str, sub: str = "") -> str:
        return _config_key(study.name, entry, section, sub)

    n_val = {pair: split_sizes(counts, parse_pair(pair))[1] for pair in study.pairs}
    where = f"dataset {study.dataset!r}, pool {study.pool!r}"
    problems = [f"config key '{key('pairs')}' names {pair!r}, which has {n} validation images in {where}; "
                f"allowed: pairs with images of both classes" for pair, n in n_val.items() if n < 4]
    if problems:
        return problems
    smallest, n_min = min(n_val.items(), key=lambda item: item[1])
    limits = []  # (key, value, limit, why)
    if "tsne" in study.analyses:
        n = n_val.get(study.tsne.pair) or split_sizes(counts, parse_pair(study.tsne.pair))[1]
        images = f"the {n} validation images of pair {study.tsne.pair!r} ({where})"
        limits += [(key("tsne", "perplexity"), study.tsne.perplexity, n - 1, f"{images}; openTSNE would lower it"),
                   (key("tsne", "knn_k"), study.tsne.knn_k, n - 1, f"{images}: each has n - 1 others")]
    if "mutual_info" in study.analyses:
        limits.append((key("mutual_info", "n_neighbors"), study.mutual_info.n_neighbors, n_min // 2 - 1,
                       f"the {n_min // 2} validation images per class of pair {smallest!r} ({where}); scikit-learn "
                       "would lower it"))
    if "saliency_shift" in study.analyses:
        limits.append((key("saliency_shift", "n_images"), study.saliency_shift.n_images, n_min,
                       f"the {n_min} validation images of pair {smallest!r} ({where}); the job would use fewer"))
    return [f"config key '{k}' is {value:g} (study {study.name!r}), above what {why}; allowed: at most {limit}"
            for k, value, limit, why in limits if value > limit]


def _budget_studies(budget: dict, studies: dict[str, Study]) -> dict[str, Study]:
    """The training-budget axis: copies of one study (`budget.study`) trained for other numbers of
    epochs, named {study}-e{epochs}, that build the capacity analysis only."""
    if not budget["epochs"]:
        return {}
    base = budget["study"]
    if base not in studies:
        raise ConfigError(f"invalid config:\n  config key 'budget.study' is {base!r}; allowed: a configured study "
                          f"{list(studies)}")
    out = {}
    for epochs in budget["epochs"]:
        if epochs == studies[base].protocol.epochs:
            raise ConfigError(f"invalid config:\n  config key 'budget.epochs' holds {epochs}, the epochs of "
                              f"budget.study {base!r} itself (the axis includes that study); allowed: other "
                              "numbers of epochs")
        name = f"{base}-e{epochs}"
        if name in studies:
            raise ConfigError(f"invalid config:\n  the budget study {name!r} is also configured under 'studies'; "
                              "allowed: another name there, or leave it to budget.epochs")
        proto = dataclasses.replace(studies[base].protocol, epochs=int(epochs))
        out[name] = dataclasses.replace(studies[base], name=name, protocol=proto, analyses=("capacity",))
    return out


def read_yaml(path: str | Path) -> dict:
    """A YAML config file; a syntax error names the file, the line and the column. As Snakemake
    does, an empty file or one whose top level is not a mapping of keys is refused."""
    try:
        with open(path) as fh:
            config = yaml.safe_load(fh)
    except FileNotFoundError:
        raise ConfigError(f"config file {path} not found") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f", line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise ConfigError(f"YAML syntax error in {path}{where}: {getattr(exc, 'problem', exc)}") from None
    if not isinstance(config, dict):
        what = "is empty" if config is None else f"holds a {type(config).__name__} at its top level"
        raise ConfigError(f"config file {path} {what}; allowed: config keys at the top level, e.g. "
                          "'studies:' (see config.yaml)")
    return config


def merge_files(paths: list[str | Path]) -> dict:
    """config.yaml's keys, updated by each file in turn as `snakemake --configfile` does
    (nested dicts merged, other values replaced)."""
    config: dict = {}
    for path in paths:
        config = _merged(config, read_yaml(path))
    return config


def main(argv: list[str] | None = None) -> int:
    """`python3 -m lowcap.core.settings [FILE ...]`: check config files as the pipeline would, without
    running anything. Snakemake reads --configfile files before the workflow's own code runs, and
    its message for a YAML error names neither the file nor the line; this names both."""
    import sys

    repo = Path(__file__).resolve().parents[3]
    files = [repo / "config.yaml", *(argv if argv is not None else sys.argv[1:])]
    try:
        settings = load_settings(merge_files(files), repo / "workflow" / "schemas" / "config.schema.yaml")
    except ConfigError as err:
        print(err, file=sys.stderr)
        return 1
    for study in settings.studies.values():
        print(f"{study.name}: {study.dataset}, pool {study.pool}, {study.protocol}, pairs {list(study.pairs)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
