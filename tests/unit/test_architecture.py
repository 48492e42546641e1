"""Dependencies point one way (DESIGN.md): functions -> use cases -> domain; adapters behind ports."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
KABAR = ROOT / "shared" / "kabar"


def imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = "." * node.level + (node.module or "")
            found.add(base)
    return found


def modules(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*.py") if "__pycache__" not in p.parts)


@pytest.mark.parametrize("path", modules(KABAR / "domain"), ids=lambda p: p.name)
def test_the_domain_imports_neither_aws_nor_adapters_nor_use_cases(path):
    bad = {m for m in imports(path)
           if m.split(".")[0] in {"boto3", "botocore", "requests"}
           or m.startswith(("..adapters", "..usecases", "..services", "kabar.adapters", "kabar.usecases"))}
    assert bad == set()


@pytest.mark.parametrize("path", modules(ROOT / "functions"), ids=lambda p: p.parent.name)
def test_handlers_hold_no_aws_client(path):
    assert {m for m in imports(path) if m.split(".")[0] in {"boto3", "botocore"}} == set()


@pytest.mark.parametrize("path", modules(KABAR), ids=lambda p: str(p.relative_to(KABAR)))
def test_the_package_never_imports_functions_or_the_local_stack(path):
    assert {m for m in imports(path) if m.split(".")[0] in {"functions", "kabar_local", "infra", "tests"}} == set()


@pytest.mark.parametrize("path", modules(KABAR / "usecases"), ids=lambda p: p.name)
def test_use_cases_reach_aws_only_through_adapters(path):
    assert {m for m in imports(path) if m.split(".")[0] in {"boto3", "botocore"}} == set()
