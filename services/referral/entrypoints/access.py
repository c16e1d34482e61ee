"""Referral's access matrix (services/referral/access.toml), shared by its routes."""

from pathlib import Path

from casetrail.identity.access import AccessMatrix

ACCESS = AccessMatrix.load(Path(__file__).parents[1] / "access.toml")
