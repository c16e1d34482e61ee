"""The directory of receivers from a TOML file (REFERRAL_RECEIVERS_FILE), validated on load."""

from __future__ import annotations

import tomllib
from pathlib import Path

from services.referral.domain.directory import Directory


def load_directory(path: Path) -> Directory:
    with path.open("rb") as file:
        return Directory.model_validate(tomllib.load(file))
