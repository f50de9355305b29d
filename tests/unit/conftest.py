"""Fixtures for the clock's unit tests (helpers in clock_fixtures.py)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from clock_fixtures import RulesDir, standard_fixture_states  # noqa: E402


@pytest.fixture
def rules_dir(tmp_path) -> RulesDir:
    return RulesDir(tmp_path / "rules")


@pytest.fixture(scope="session")
def rulebook(tmp_path_factory):
    """The standard fixture states (IL, MN, CA, TX), loaded once: rulebooks are immutable."""
    rd = RulesDir(tmp_path_factory.mktemp("fixture_rules"))
    standard_fixture_states(rd)
    return rd.rulebook()
