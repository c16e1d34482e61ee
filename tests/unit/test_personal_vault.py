"""Sealing under a student's own data key, and erasure by deleting it."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.keywrap import InvalidUnwrap
from sqlalchemy import event

from casetrail.cli.keys import PERSONAL_DATA_SERVICES, machine_secrets
from casetrail.personal.sealing import ERASED, is_sealed, opened
from casetrail.personal.vault import DataKeyVault, master_key_from, new_master_key
from casetrail.store import store_env

ANNA, BORIS = "a" * 32, "b" * 32


def vault(tmp_path: Path, master: str | None = None) -> DataKeyVault:
    env = store_env(url=f"sqlite:///{tmp_path / 'intake.db'}")
    return DataKeyVault.beside(env, master_key_from(master or MASTER), "intake")


MASTER = new_master_key()


def test_a_sealed_value_opens_for_its_student_and_for_no_other(tmp_path: Path) -> None:
    keys = vault(tmp_path)
    sealed = keys.seal(ANNA, {"name": "王芳", "phone": "+86 139 0000 0001"})
    assert is_sealed(sealed) and "王芳" not in sealed
    assert keys.open(ANNA, sealed) == {"name": "王芳", "phone": "+86 139 0000 0001"}
    keys.seal(BORIS, "x")
    assert keys.open(BORIS, sealed) == ERASED


def test_after_erasure_nothing_sealed_before_opens_not_even_under_a_new_key(
        tmp_path: Path) -> None:
    keys = vault(tmp_path)
    before = keys.seal(ANNA, "宿舍里的纸条")
    assert keys.erase(ANNA)
    assert keys.open(ANNA, before) == ERASED
    after = keys.seal(ANNA, "新的报告")
    assert (keys.open(ANNA, before), keys.open(ANNA, after)) == (ERASED, "新的报告")
    assert keys.erase(ANNA) and not keys.erase(ANNA)


def test_another_process_with_the_same_master_key_opens_what_was_sealed(
        tmp_path: Path) -> None:
    sealed = vault(tmp_path).seal(ANNA, "张三")
    assert vault(tmp_path).open(ANNA, sealed) == "张三"


def test_keys_prepared_for_a_file_at_once_are_the_keys_every_process_seals_under(
        tmp_path: Path) -> None:
    students = [f"{n:032x}" for n in range(1200)]  # more than one statement's worth
    before = vault(tmp_path).seal(ANNA, "张三")
    keys = vault(tmp_path)
    keys.prepare([ANNA, *students, students[0]])
    statements = statements_on(keys)
    sealed = {student: keys.seal(student, student) for student in students}
    assert statements == []  # every key was at hand
    elsewhere = vault(tmp_path)
    assert elsewhere.open(ANNA, before) == "张三"  # a key already there is kept, not replaced
    assert all(elsewhere.open(s, value) == s for s, value in sealed.items())


def test_a_key_another_process_makes_meanwhile_is_the_one_every_seal_uses(
        tmp_path: Path) -> None:
    keys, other = vault(tmp_path), vault(tmp_path)
    made_first: list[str] = []

    def other_first(conn: object, cursor: object, statement: str, *_: object) -> None:
        if statement.startswith("INSERT") and not made_first:
            made_first.append(other.seal(ANNA, "张三"))  # between this one's look and insert

    event.listen(keys._engine, "before_cursor_execute", other_first)
    keys.prepare([ANNA, BORIS])
    event.remove(keys._engine, "before_cursor_execute", other_first)
    assert keys.open(ANNA, made_first[0]) == "张三"
    assert other.open(BORIS, keys.seal(BORIS, "李四")) == "李四"
    assert other.open(ANNA, keys.seal(ANNA, "王五")) == "王五"


def statements_on(keys: DataKeyVault) -> list[str]:
    """The statements the vault runs from now on."""
    seen: list[str] = []
    event.listen(keys._engine, "before_cursor_execute",
                 lambda conn, cursor, statement, *_: seen.append(statement))
    return seen


def test_a_vault_keeps_only_so_many_keys_unwrapped_and_opens_one_it_let_go_from_the_store(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("casetrail.personal.vault.KEYS_KEPT", 2)
    keys = vault(tmp_path)
    students = [f"{n:032d}" for n in range(5)]
    keys.prepare(students)
    sealed = {student: keys.seal(student, f"answers of {student}") for student in students}
    assert len(keys._keys) == 2  # the two used last
    assert all(keys.open(student, sealed[student]) == f"answers of {student}"
               for student in students)
    keys.erase(students[0])
    assert keys.open(students[0], sealed[students[0]]) == ERASED


def test_a_key_prepared_after_an_erasure_opens_nothing_sealed_before(tmp_path: Path) -> None:
    keys = vault(tmp_path)
    before = keys.seal(ANNA, "宿舍里的纸条")
    keys.erase(ANNA)
    keys.prepare([ANNA])
    assert keys.open(ANNA, before) == ERASED
    assert keys.open(ANNA, keys.seal(ANNA, "新的报告")) == "新的报告"


def test_the_data_keys_are_stored_wrapped_and_a_wrong_master_key_opens_none(
        tmp_path: Path) -> None:
    sealed = vault(tmp_path).seal(ANNA, "张三")
    with pytest.raises(InvalidUnwrap):
        vault(tmp_path, new_master_key()).open(ANNA, sealed)


def test_a_record_built_for_a_reader_is_opened_wherever_a_sealed_value_sits(
        tmp_path: Path) -> None:
    keys = vault(tmp_path)
    record = {"name": keys.seal(ANNA, "张三"), "reports": [
        {"channel": "hotline", "description": keys.seal(ANNA, "纸条")}], "count": 2}
    assert opened(keys, ANNA, record) == {
        "name": "张三", "reports": [{"channel": "hotline", "description": "纸条"}], "count": 2}


def test_a_master_key_is_32_bytes_in_base64() -> None:
    with pytest.raises(ValueError, match="32 bytes"):
        master_key_from(base64.b64encode(b"short").decode())


def test_casetrail_up_makes_each_personal_data_service_its_own_master_key_once(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    variables = [f"{s.upper()}_DATA_MASTER_KEY" for s in PERSONAL_DATA_SERVICES]
    for variable in variables:
        monkeypatch.delenv(variable, raising=False)
    made = machine_secrets(tmp_path)
    keys = [made[variable] for variable in variables]
    assert len(set(keys)) == len(keys) and all(len(master_key_from(k)) == 32 for k in keys)
    assert machine_secrets(tmp_path) == made
