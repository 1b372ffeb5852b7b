"""parley.example.toml lists every setting of the model with its default and
a comment, and loads as the defaults."""

from __future__ import annotations

import os
import re
import tomllib
from typing import Any

import pytest

from parley.config import Settings
from tests.harness import REPO

EXAMPLE = REPO / "parley.example.toml"


def flatten(table: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in table.items():
        if isinstance(value, dict):
            out.update(flatten(value, f"{prefix}{key}."))
        else:
            out[f"{prefix}{key}"] = value
    return out


def model_defaults() -> dict[str, Any]:
    # model_construct: the defaults alone, none of the environment or parley.toml.
    return flatten(Settings.model_construct().model_dump(mode="json"))


def test_example_has_every_setting_with_its_default() -> None:
    sample = flatten(tomllib.loads(EXAMPLE.read_text()))
    defaults = model_defaults()
    missing = sorted(defaults.keys() - sample.keys())
    unknown = sorted(sample.keys() - defaults.keys())
    assert not missing, f"settings missing from {EXAMPLE.name}: {missing}"
    assert not unknown, f"{EXAMPLE.name} has settings the model lacks: {unknown}"
    differ = {k: (sample[k], defaults[k]) for k in defaults if sample[k] != defaults[k]}
    assert not differ, f"{EXAMPLE.name} value != model default: {differ}"


def test_every_setting_has_a_comment_above() -> None:
    lines = EXAMPLE.read_text().splitlines()
    bare = [
        line
        for before, line in zip(["", *lines], lines, strict=False)
        if re.match(r"\w+ = ", line) and not before.startswith("# ")
    ]
    assert not bare, f"settings without a comment line above: {bare}"


def test_example_loads_as_the_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in [n for n in os.environ if n.startswith("PARLEY_")]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("PARLEY_CONFIG", str(EXAMPLE))
    loaded = Settings().model_dump(mode="json")
    assert flatten(loaded) == model_defaults()
