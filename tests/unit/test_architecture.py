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


@pytest.mark.parametrize("path", modules(KABAR / "usecases"), ids=lambda p: p.name)
def test_use_cases_import_no_adapter(path):
    """Use cases get adapters as ports (``kabar.ports``) from the edge; they never import one."""
    assert {m for m in imports(path) if m.startswith(("..adapters", "kabar.adapters", ".adapters"))} == set()


def presentation_imports(path: Path) -> set[str]:
    """What a module imports of the presentation: ``kabar.web`` (however it is spelled) or jinja2."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.split(".")[0] == "jinja2" or a.name == "kabar.web"}
        elif isinstance(node, ast.ImportFrom):
            base = "." * node.level + (node.module or "")
            if base.split(".")[0] == "jinja2" or base in ("kabar.web", "..web", ".web"):
                found.add(base)
            elif base in ("kabar", "..", "."):  # from .. import web
                found |= {f"{base}:{a.name}" for a in node.names if a.name == "web"}
    return found


@pytest.mark.parametrize("path", modules(KABAR / "usecases"), ids=lambda p: p.name)
def test_use_cases_render_nothing(path):
    """Use cases answer with facts (a ``Letter``, a ``Page``, a notice's facts); pages and emails are
    written out at the edge (``kabar.web``, ``kabar.mail_composer``), never inside a use case."""
    assert presentation_imports(path) == set()


def calls_to_services(path: Path) -> list[int]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return [node.lineno for node in ast.walk(tree)
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "services"]


def imported_names(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return {alias.name for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) for alias in node.names}


@pytest.mark.parametrize("path", modules(KABAR / "usecases"), ids=lambda p: p.name)
def test_use_cases_never_reach_for_the_global_services(path):
    """Wired once at the edge: a use case receives its ``Services``; it has no fallback to a global."""
    assert calls_to_services(path) == []
    assert "services" not in imported_names(path)


def test_the_architecture_test_sees_an_adapter_import_and_a_global(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text("from ..adapters.sqs import SqsQueue\nfrom ..services import services\n\n"
                   "def f():\n    return services()\n", encoding="utf-8")
    assert "..adapters.sqs" in imports(bad)
    assert calls_to_services(bad) == [5] and "services" in imported_names(bad)


def test_the_architecture_test_sees_rendering_in_a_use_case(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text("from .. import web\nimport jinja2\nfrom jinja2 import Environment\nimport kabar.web\n"
                   "from kabar.web import render\nfrom ..web import render as r\nfrom .. import domain\n",
                   encoding="utf-8")
    assert presentation_imports(bad) == {"..:web", "jinja2", "kabar.web", "..web"}
