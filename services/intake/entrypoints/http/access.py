"""Intake's access matrix (services/intake/access.toml), shared by its routers."""

from pathlib import Path

from casetrail.identity.access import AccessMatrix

ACCESS = AccessMatrix.load(Path(__file__).parents[2] / "access.toml")
