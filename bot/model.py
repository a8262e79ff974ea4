"""Training, persisting and (hot-)loading the model: NLU pipeline plus the domain and rules it was trained with.

The model is a directory of plain data, never a pickle:

    models/
      current                      the name of the model in use; replaced last, atomically (the watcher reads it)
      model-20261120-100000-1a2b3c/
        manifest.json              format version, bot version, trained_at, fingerprint, config, components
        domain.json  rules.json    domain.yml and data/rules as parsed
        nlu/00_SudachiTokenizer/ ... nlu/07_FallbackClassifier/
                                   each component's state.json and arrays.npz (NumPy, allow_pickle=False)
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import shutil
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from . import __version__
from .domain import Domain
from .errors import BotError, ConfigError, ModelFormatError, ModelNotFound, TrainingDataError
from .features import NluLookups, features
from .nlu.pipeline import Pipeline
from .settings import Settings
from .training_data import Rule, load_nlu, load_rules, yaml_files

log = logging.getLogger(__name__)

# Version of the model directory's layout and of what every component persists. Bump it whenever either
# changes: a model of another format is stale for `train --if-stale` and refused by `load` with a clear error.
MODEL_FORMAT = 1
CURRENT_FILE = "current"  # names the model directory in use; the one file the hot-reload watcher reads
MANIFEST_FILE = "manifest.json"
DOMAIN_FILE = "domain.json"
RULES_FILE = "rules.json"
NLU_FOLDER = "nlu"
MODEL_PREFIX = "model-"
TMP_PREFIX = ".tmp-"
LEGACY_FILES = ("model.pkl", "model.tmp", "fingerprint.json")  # the pickled model of format 0
KEEP_TMP_SECONDS = 3600  # a temporary model directory this old is left over from a crashed training
KEEP_RECENT_SECONDS = 60  # a model this young may be another training's, about to become current


@dataclass
class Model:
    pipeline: Pipeline
    domain: Domain
    rules: list[Rule]
    fingerprint: str
    trained_at: float
    config: dict[str, Any]  # config.yml as parsed


def read_config(settings: Settings) -> dict[str, Any]:
    try:
        return yaml.safe_load(settings.config_file.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigError(f"Cannot read {settings.config_file}: {exc}") from exc


def training_inputs(settings: Settings, config: dict[str, Any]) -> list[Path]:
    """Every file whose change makes the model stale: config, domain, data, lookup tables and NLU code."""
    files = [settings.config_file, settings.domain_file, *yaml_files([settings.data_dir])]
    files += [f for lookups in _feature_lookups() for f in lookups.files(settings)]
    for comp in config.get("pipeline") or []:
        files.extend(settings.project_dir / table["file"] for table in comp.get("tables") or [])
        if comp.get("synonyms"):
            files.append(settings.project_dir / comp["synonyms"])
    files += sorted((Path(__file__).parent / "nlu").glob("*.py"))
    return files


def _feature_lookups() -> list[NluLookups]:
    return [f.nlu_lookups for f in features() if f.nlu_lookups]


def fingerprint(settings: Settings, config: dict[str, Any]) -> str:
    digest = hashlib.sha256(__version__.encode())
    for path in training_inputs(settings, config):
        digest.update(str(path.name).encode())
        if path.exists():
            digest.update(path.read_bytes())
    return digest.hexdigest()


def _write_json(path: Path, data: Any) -> None:
    text = json.dumps(data, ensure_ascii=False, indent=1)
    if json.loads(text) != data:  # e.g. a YAML date or a number as a mapping key: JSON would change it
        raise ConfigError(f"{path.name}: some values cannot be stored as JSON unchanged; quote them in the YAML.")
    path.write_text(text, encoding="utf-8")


def _read_json(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def current_model_dir(settings: Settings) -> Path:
    """The directory `models/current` names; ModelNotFound when there is none."""
    pointer = settings.model_dir / CURRENT_FILE
    try:
        name = pointer.read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        legacy = settings.model_dir / LEGACY_FILES[0]
        if legacy.exists():
            raise ModelFormatError(
                legacy, "it is a pickled model of an older version, which this code no longer reads"
            ) from None
        raise ModelNotFound(settings.model_dir) from None
    if not name.startswith(MODEL_PREFIX) or Path(name).name != name:
        raise ModelFormatError(pointer, f"it names {name!r}, which is not a model directory")
    directory = settings.model_dir / name
    if not (directory / MANIFEST_FILE).exists():
        raise ModelNotFound(directory)
    return directory


def model_path(settings: Settings) -> Path:
    """The current model's directory (or, when there is none, where its pointer would be)."""
    try:
        return current_model_dir(settings)
    except BotError:
        return settings.model_dir / CURRENT_FILE


def read_manifest(directory: Path) -> dict[str, Any]:
    try:
        manifest = _read_json(Path(directory) / MANIFEST_FILE)
    except FileNotFoundError:
        raise ModelNotFound(directory) from None
    except (OSError, ValueError) as exc:
        raise ModelFormatError(directory, f"its {MANIFEST_FILE} cannot be read ({exc})") from exc
    if not isinstance(manifest, dict) or manifest.get("format") != MODEL_FORMAT:
        found = manifest.get("format") if isinstance(manifest, dict) else None
        version = manifest.get("bot_version", "?") if isinstance(manifest, dict) else "?"
        raise ModelFormatError(
            directory,
            f"it has model format {found!r} (written by bot {version}), and this code "
            f"(bot {__version__}) reads format {MODEL_FORMAT}",
        )
    return manifest


def write_model(model: Model, directory: Path, training: dict[str, Any] | None = None) -> None:
    """Write `model` into the new directory `directory`: each part as plain data, the manifest last."""
    directory = Path(directory)
    directory.mkdir(parents=True)
    components = model.pipeline.persist(directory / NLU_FOLDER)
    _write_json(directory / DOMAIN_FILE, model.domain.to_dict())
    _write_json(directory / RULES_FILE, [r.to_dict() for r in model.rules])
    _write_json(
        directory / MANIFEST_FILE,
        {
            "format": MODEL_FORMAT,
            "bot_version": __version__,
            "trained_at": model.trained_at,
            "fingerprint": model.fingerprint,
            "components": components,  # in pipeline order
            "config": model.config,
            "training": training or {},
        },
    )


def read_model(directory: Path, project_dir: Path) -> Model:
    """The model `write_model` wrote; ModelFormatError when it does not match this code or is damaged."""
    directory = Path(directory)
    manifest = read_manifest(directory)
    try:
        names = [c["name"] for c in manifest["components"]]
        configured = [c.get("name") for c in manifest["config"].get("pipeline") or []]
        if names != configured:
            raise ModelFormatError(directory, f"its components {names} differ from its config's {configured}")
        pipeline = Pipeline.load(manifest["components"], directory / NLU_FOLDER, project_dir)
        domain = Domain.from_dict(_read_json(directory / DOMAIN_FILE))
        rules = [Rule.from_dict(r) for r in _read_json(directory / RULES_FILE)]
        return Model(pipeline, domain, rules, manifest["fingerprint"], manifest["trained_at"], manifest["config"])
    except BotError:
        raise
    except (OSError, LookupError, TypeError, ValueError, AttributeError) as exc:
        raise ModelFormatError(directory, f"it is incomplete or damaged ({type(exc).__name__}: {exc})") from exc


def is_stale(settings: Settings) -> bool:
    """True when there is no model, it has another format, or config, data or NLU code changed since training."""
    try:
        manifest = read_manifest(current_model_dir(settings))
        return bool(manifest["fingerprint"] != fingerprint(settings, read_config(settings)))
    except (BotError, ValueError, KeyError, OSError):
        return True


def save(model: Model, settings: Settings, training: dict[str, Any] | None = None) -> Path:
    """Write the model next to the current one, then make it current with two atomic renames.

    It is written into `models/.tmp-model-…/`, renamed to `models/model-…/` when complete, and only then does
    `models/current` name it, so a server (re)loading at any moment reads either the old model or the new one.
    """
    root = settings.model_dir
    root.mkdir(parents=True, exist_ok=True)
    stamp = time.strftime("%Y%m%d-%H%M%S", time.localtime(model.trained_at))
    name = f"{MODEL_PREFIX}{stamp}-{uuid.uuid4().hex[:6]}"
    tmp = root / f"{TMP_PREFIX}{name}"
    try:
        write_model(model, tmp, training)
        tmp.rename(root / name)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    try:
        previous = (root / CURRENT_FILE).read_text(encoding="utf-8").strip()
    except OSError:
        previous = ""
    pointer_tmp = root / f"{TMP_PREFIX}{CURRENT_FILE}-{name}"
    pointer_tmp.write_text(name + "\n", encoding="utf-8")
    os.replace(pointer_tmp, root / CURRENT_FILE)
    _remove_old(root, keep={name, previous})
    return root / name


def _remove_old(root: Path, keep: set[str]) -> None:
    """Delete models older than the current and the previous one (a server may still be reading the previous),
    temporary directories left by crashed trainings, and the pickled model of older versions."""
    with contextlib.suppress(OSError):
        keep = keep | {(root / CURRENT_FILE).read_text(encoding="utf-8").strip()}  # another training's, if newer
    for entry in root.iterdir():
        try:
            age = time.time() - entry.stat().st_mtime
            if entry.name.startswith(MODEL_PREFIX) and entry.is_dir():
                if entry.name not in keep and age > KEEP_RECENT_SECONDS:
                    shutil.rmtree(entry)
            elif entry.name.startswith(TMP_PREFIX) and age > KEEP_TMP_SECONDS:
                shutil.rmtree(entry) if entry.is_dir() else entry.unlink()
            elif entry.name in LEGACY_FILES:
                entry.unlink()
        except OSError as exc:
            log.warning("could not remove the old model file %s: %s", entry, exc)


def train(settings: Settings, progress: Callable[[str], None] = lambda _m: None) -> Path:
    """Train on the project's config and data, save the model and make it current; returns its directory."""
    started = time.perf_counter()
    config = read_config(settings)
    progress("reading training data")
    data = load_nlu([settings.data_dir])
    if not data.examples:
        raise TrainingDataError(f"No NLU examples found under {settings.data_dir}.")
    for lookups in _feature_lookups():  # the city's own names from its data folder (garbage items, areas)
        for entity, names in lookups.tables(settings).items():
            data.lookups.setdefault(entity, []).extend(names)
    domain = Domain.load(settings.domain_file)
    rules = load_rules([settings.data_dir])
    pipeline = Pipeline.from_config(config, settings.project_dir)
    pipeline.train(data, progress)
    model = Model(pipeline, domain, rules, fingerprint(settings, config), time.time(), config)
    path = save(
        model,
        settings,
        {
            "examples": len(data.examples),
            "intents": len(data.intents()),
            "seconds": round(time.perf_counter() - started, 2),
        },
    )
    progress(
        f"trained on {len(data.examples)} examples, {len(data.intents())} intents "
        f"in {time.perf_counter() - started:.1f}s → {path}"
    )
    return path


def load(settings: Settings) -> Model:
    """The current model. ModelNotFound when there is none; ModelFormatError when it does not match this code."""
    return read_model(current_model_dir(settings), settings.project_dir)


class ModelHolder:
    """The current model; a background thread swaps in a newly trained one without a restart.

    The watcher reads `models/current`, the single file a training replaces last. Requests grab `holder.model`
    once and keep using that object, so a swap never fails one in flight.
    """

    def __init__(self, settings: Settings, on_load: Callable[[Model], None] = lambda _m: None):
        self.settings = settings
        self.on_load = on_load
        directory = current_model_dir(settings)
        self.model = read_model(directory, settings.project_dir)
        self._current = directory.name
        self._failed = ""
        on_load(self.model)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._checking = threading.Lock()  # the watcher and an explicit reload (a console publish) load it once

    def check(self) -> bool:
        """Load the current model if `models/current` names another one than the loaded; True when swapped."""
        with self._checking:
            return self._check()

    def _check(self) -> bool:
        try:
            name = (self.settings.model_dir / CURRENT_FILE).read_text(encoding="utf-8").strip()
        except OSError:
            return False
        if name == self._current:
            return False
        try:
            directory = current_model_dir(self.settings)
            model = read_model(directory, self.settings.project_dir)
        except Exception:  # a broken or incompatible model: keep serving the current one, retry next tick
            if name != self._failed:
                log.exception("could not load the new model %s; keeping the current one", name)
            self._failed = name
            return False
        self.on_load(model)
        self.model, self._current = model, directory.name
        log.info("loaded new model %s trained at %s", directory.name, time.ctime(model.trained_at))
        return True

    def watch(self, interval: float = 1.0) -> None:
        def loop() -> None:
            while not self._stop.wait(interval):
                self.check()

        self._thread = threading.Thread(target=loop, name="model-watcher", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
