"""`make proto-check` holds the contract to its released baseline: it fails on
a change that breaks compiled clients and passes an additive one. Each case runs
the real script with the real buf on a temporary copy of the contract."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.harness import REPO

MSG = "protos/parley/msg/v1/msg.proto"
LOG = "protos/parley/internal/log/v1/log.proto"
SEQ_RANGE = "  int64 end = 3;\n}"


def copy_of_contract(tmp: Path) -> Path:
    root = tmp / "repo"
    shutil.copytree(REPO / "protos", root / "protos")
    shutil.copy(REPO / "buf.yaml", root / "buf.yaml")
    (root / "scripts").mkdir()
    shutil.copy(REPO / "scripts" / "proto-check.sh", root / "scripts" / "proto-check.sh")
    return root


def proto_check(root: Path) -> subprocess.CompletedProcess[str]:
    path = f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"
    assert shutil.which("buf", path=path), "buf (PyPI buf-bin) is not installed"
    return subprocess.run(
        [str(root / "scripts" / "proto-check.sh")],
        capture_output=True,
        text=True,
        env={**os.environ, "PATH": path},
        timeout=120,
    )


def edit(root: Path, change: Callable[[str], str]) -> None:
    """Applies `change` to every file of parley.msg.v1 (lint wants a package's
    language options equal across its files)."""
    changed = 0
    for path in sorted((root / MSG).parent.glob("*.proto")):
        before = path.read_text()
        after = change(before)
        changed += after != before
        path.write_text(after)
    assert changed, "the edit did not apply"


def rename_field(text: str) -> str:
    return text.replace("  int64 begin = 2;", "  int64 first = 2;", 1)


def move_java_package(text: str) -> str:
    # Wire and JSON stay the same (WIRE_JSON let this through), the Kotlin and
    # Java stubs' package does not.
    return text.replace('java_package = "dev.parley.msg.v1"', 'java_package = "dev.parley.m.v1"')


def rename_message(text: str) -> str:
    return re.sub(r"\bSeqRange\b", "SeqSpan", text)


def add_field_and_message(text: str) -> str:
    if SEQ_RANGE not in text:
        return text
    added = "  // A later addition.\n  bool newest = 99;\n"
    return (
        text.replace(SEQ_RANGE, SEQ_RANGE[:-1] + added + "}", 1)
        + "\n// A later addition.\nmessage Added {\n  // Its field.\n  string x = 1;\n}\n"
    )


def test_the_contract_as_it_is_passes(tmp_path: Path) -> None:
    result = proto_check(copy_of_contract(tmp_path))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "against protos/baseline/parley-v1.binpb" in result.stdout


@pytest.mark.parametrize(
    ("change", "complaint"),
    [
        (rename_field, 'changed name from "begin" to "first"'),
        (move_java_package, 'File option "java_package" changed'),
        (rename_message, 'message "SeqRange" was deleted'),
    ],
)
def test_a_change_that_breaks_stubs_fails(
    tmp_path: Path, change: Callable[[str], str], complaint: str
) -> None:
    root = copy_of_contract(tmp_path)
    edit(root, change)
    result = proto_check(root)
    assert result.returncode != 0
    assert complaint in result.stdout + result.stderr


def test_a_renamed_field_of_the_cluster_log_fails(tmp_path: Path) -> None:
    """The log's entries outlive a rolling upgrade: a newer worker reads what
    an older gateway wrote, so the internal file is held like the contract."""
    root = copy_of_contract(tmp_path)
    path = root / LOG
    before = path.read_text()
    path.write_text(before.replace("int64 alloc_ms = 4;", "int64 alloc_time_ms = 4;", 1))
    assert path.read_text() != before
    result = proto_check(root)
    assert result.returncode != 0
    assert 'changed name from "alloc_ms" to "alloc_time_ms"' in result.stdout + result.stderr


def test_an_additive_change_passes(tmp_path: Path) -> None:
    root = copy_of_contract(tmp_path)
    edit(root, add_field_and_message)
    result = proto_check(root)
    assert result.returncode == 0, result.stdout + result.stderr


def test_without_a_baseline_the_check_fails(tmp_path: Path) -> None:
    root = copy_of_contract(tmp_path)
    (root / "protos" / "baseline" / "parley-v1.binpb").unlink()
    result = proto_check(root)
    assert result.returncode != 0
    assert "make proto-baseline" in result.stderr
