"""Configuration flows one way: config.toml -> a frozen dataclass per stage -> an argument to `run`.

Overrides use dot paths (`--set geocode.min_delay_s=2`); the hash of the effective config is recorded
in every release so a dataset can be traced back to the settings that made it.
"""
from __future__ import annotations

import copy
import dataclasses
import hashlib
import json
import tomllib
from pathlib import Path
from typing import Any, TypeVar

from .errors import E_CONFIG, PipelineError

T = TypeVar("T")

DEFAULT_CONFIG_PATH = Path("config.toml")


def load(path: str | Path | None = None, overrides: list[str] | tuple[str, ...] = ()) -> dict[str, Any]:
    """Read the TOML file (missing file = all defaults) and apply `section.key=value` overrides."""
    raw: dict[str, Any] = {}
    p = Path(path) if path else DEFAULT_CONFIG_PATH
    if p.exists():
        with p.open("rb") as fh:
            raw = tomllib.load(fh)
    elif path:
        raise PipelineError(E_CONFIG, f"config file {p} not found")
    raw = copy.deepcopy(raw)
    for item in overrides:
        if "=" not in item or "." not in item.split("=", 1)[0]:
            raise PipelineError(E_CONFIG, f"override {item!r} must look like section.key=value")
        dotted, value = item.split("=", 1)
        *sections, key = dotted.split(".")
        node = raw
        for s in sections:
            node = node.setdefault(s, {})
        node[key] = _parse_value(value)
    return raw


def _parse_value(text: str) -> Any:
    try:
        return tomllib.loads(f"v = {text}")["v"]
    except tomllib.TOMLDecodeError:
        return text  # a bare string


def section(raw: dict[str, Any], name: str, cls: type[T]) -> T:
    """Build the frozen dataclass `cls` from section `name`; unknown keys are an error, not ignored."""
    values = dict(raw.get(name, {}))
    fields = {f.name: f for f in dataclasses.fields(cls)}
    unknown = sorted(set(values) - set(fields))
    if unknown:
        raise PipelineError(E_CONFIG, f"unknown setting(s) in [{name}]: {', '.join(unknown)}")
    for k, v in list(values.items()):
        if isinstance(v, list):
            values[k] = tuple(v)  # frozen dataclasses hold tuples
    return cls(**values)


def config_hash(raw: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(raw, sort_keys=True, default=str).encode()).hexdigest()[:16]
