"""Training, persisting and (hot-)loading the model: NLU pipeline plus the domain and rules it was trained with."""
from __future__ import annotations

import hashlib
import json
import logging
import pickle
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import yaml

from . import __version__
from .domain import Domain
from .errors import ConfigError, ModelNotFound, TrainingDataError
from .nlu.pipeline import Pipeline
from .settings import Settings
from .training_data import load_nlu, load_rules, yaml_files

log = logging.getLogger(__name__)
MODEL_FILE = "model.pkl"


@dataclass
class Model:
    pipeline: Pipeline
    domain: Domain
    rules: list
    fingerprint: str
    trained_at: float
    config: dict


def read_config(settings: Settings) -> dict:
    try:
        return yaml.safe_load(settings.config_file.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigError(f"Cannot read {settings.config_file}: {exc}") from exc


def training_inputs(settings: Settings, config: dict) -> list[Path]:
    """Every file whose change makes the model stale: config, domain, data, lookup tables and NLU code."""
    files = [settings.config_file, settings.domain_file, *yaml_files([settings.data_dir])]
    for comp in config.get("pipeline") or []:
        for table in comp.get("tables") or []:
            files.append(settings.project_dir / table["file"])
        if comp.get("synonyms"):
            files.append(settings.project_dir / comp["synonyms"])
    files += sorted((Path(__file__).parent / "nlu").glob("*.py"))
    return files


def fingerprint(settings: Settings, config: dict) -> str:
    digest = hashlib.sha256(__version__.encode())
    for path in training_inputs(settings, config):
        digest.update(str(path.name).encode())
        if path.exists():
            digest.update(path.read_bytes())
    return digest.hexdigest()


def model_path(settings: Settings) -> Path:
    return settings.model_dir / MODEL_FILE


def is_stale(settings: Settings) -> bool:
    path = model_path(settings)
    meta = settings.model_dir / "fingerprint.json"
    if not path.exists() or not meta.exists():
        return True
    try:
        return json.loads(meta.read_text())["fingerprint"] != fingerprint(settings, read_config(settings))
    except (ValueError, KeyError, OSError):
        return True


def train(settings: Settings, progress: Callable[[str], None] = lambda _m: None) -> Path:
    started = time.perf_counter()
    config = read_config(settings)
    progress("reading training data")
    data = load_nlu([settings.data_dir])
    if not data.examples:
        raise TrainingDataError(f"No NLU examples found under {settings.data_dir}.")
    domain = Domain.load(settings.domain_file)
    rules = load_rules([settings.data_dir])
    pipeline = Pipeline.from_config(config, settings.project_dir)
    pipeline.train(data, progress)
    model = Model(pipeline, domain, rules, fingerprint(settings, config), time.time(), config)
    settings.model_dir.mkdir(parents=True, exist_ok=True)
    path = model_path(settings)
    tmp = path.with_suffix(".tmp")
    with open(tmp, "wb") as fh:
        pickle.dump(model, fh, protocol=pickle.HIGHEST_PROTOCOL)
    tmp.replace(path)  # atomic: a running server never reads half a model
    (settings.model_dir / "fingerprint.json").write_text(json.dumps({
        "fingerprint": model.fingerprint, "trained_at": model.trained_at, "examples": len(data.examples),
        "intents": len(data.intents()), "seconds": round(time.perf_counter() - started, 2)}, indent=2))
    progress(f"trained on {len(data.examples)} examples, {len(data.intents())} intents "
             f"in {time.perf_counter() - started:.1f}s → {path}")
    return path


def load(settings: Settings) -> Model:
    path = model_path(settings)
    if not path.exists():
        raise ModelNotFound(path)
    with open(path, "rb") as fh:
        return pickle.load(fh)


class ModelHolder:
    """The current model; a background thread swaps in a newly trained one without a restart.

    Requests grab `holder.model` once and keep using that object, so a swap never fails one in flight.
    """

    def __init__(self, settings: Settings, on_load: Callable[[Model], None] = lambda _m: None):
        self.settings = settings
        self.on_load = on_load
        self.model = load(settings)
        self._mtime = model_path(settings).stat().st_mtime
        on_load(self.model)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def check(self) -> bool:
        """Load the model file if it changed since the last load; True when swapped."""
        path = model_path(self.settings)
        try:
            mtime = path.stat().st_mtime
        except OSError:
            return False
        if mtime == self._mtime:
            return False
        try:
            model = load(self.settings)
        except Exception:  # a model being replaced mid-read: keep serving the old one, retry next tick
            log.exception("could not load the new model; keeping the current one")
            return False
        self.on_load(model)
        self.model, self._mtime = model, mtime
        log.info("loaded new model trained at %s", time.ctime(model.trained_at))
        return True

    def watch(self, interval: float = 1.0) -> None:
        def loop():
            while not self._stop.wait(interval):
                self.check()

        self._thread = threading.Thread(target=loop, name="model-watcher", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
