"""The README's "Who may do what" is the services' access.toml files, rendered."""

from __future__ import annotations

from pathlib import Path

from casetrail.cli.access_matrix import END, README, START, access_matrix, render, with_matrix
from casetrail.identity.access import AccessMatrix, Permission, Relation
from contracts.codes import Role


def test_the_readme_shows_the_access_matrix_the_services_enforce() -> None:
    assert access_matrix(README, check=True) == 0, (
        "an access.toml or a route changed: run `casetrail access-matrix`")


def matrix(relations: dict[Role, frozenset[Relation]]) -> AccessMatrix:
    return AccessMatrix({"close_case": Permission("close_case", "close a case", relations)})


def test_a_cell_says_the_relations_and_a_refused_role_stays_blank() -> None:
    table = render({"referral": (matrix({
        Role.CRISIS_TEAM: frozenset({Relation.SCHOOL}),
        Role.CLASS_TEACHER: frozenset({Relation.REPORTER, Relation.ASSIGNED})}),
        {"close_case": ["POST /cases/{case_id}/closure"]})})
    assert ("| action | what | route | class_teacher | crisis_team |" in table)
    assert ("| close_case | close a case | `POST /cases/{case_id}/closure` | "
            "assigned or reporter | school |") in table
    assert "No action here for: subject_teacher," in table


def test_a_changed_matrix_makes_the_check_fail_and_rendering_mends_only_its_section(
        tmp_path: Path) -> None:
    readme = tmp_path / "README.md"
    readme.write_text(f"# x\n\n## Who may do what\n\n{START}\nstale\n{END}\n\n## After\n")
    assert access_matrix(readme, check=True) == 1
    assert "stale" in readme.read_text()
    assert access_matrix(readme) == 0
    text = readme.read_text()
    assert "stale" not in text and text.endswith(f"{END}\n\n## After\n")
    assert "| read_work_lists |" in text
    assert access_matrix(readme, check=True) == 0


def test_a_readme_without_the_markers_gets_the_section_at_its_end() -> None:
    assert with_matrix("# x\n", "m") == f"# x\n\n## Who may do what\n\n{START}\nm\n{END}\n"
