"""The application is a service's only door to the outside: it declares the ports it needs
and bootstrap passes the adapters in, so nothing but the wiring imports an adapter."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

SERVICES = Path(__file__).resolve().parents[2] / "services"
# The wiring, which is where the adapters are chosen (config names an adapter's settings).
WIRING = {"bootstrap.py", "config.py", "__main__.py"}
ADAPTERS = re.compile(r"services\.\w+\.adapters(\.|$)")


def inner_modules(service: Path) -> list[Path]:
    """The application, its helpers, the domain and the entrypoints."""
    return sorted(path for path in service.rglob("*.py")
                  if path.relative_to(service).parts[0] not in {"adapters", *WIRING})


def imported(path: Path) -> set[str]:
    """The modules the file names in its imports: `from a.b import c` names a.b and a.b.c."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            assert node.level == 0, f"{path}: relative import"
            module = node.module or ""
            names.add(module)
            names.update(f"{module}.{alias.name}" for alias in node.names)
    return names


@pytest.mark.parametrize("service", sorted(p.name for p in SERVICES.iterdir()
                                           if (p / "bootstrap.py").exists()))
def test_no_application_domain_or_entrypoint_module_of_a_service_imports_an_adapter(
        service: str) -> None:
    root = SERVICES / service
    modules = inner_modules(root)
    layers = {path.relative_to(root).parts[0].removesuffix(".py") for path in modules}
    assert {"application", "domain", "entrypoints"} <= layers
    offending = {str(path.relative_to(SERVICES)): sorted(filter(ADAPTERS.match,
                                                                imported(path)))
                 for path in modules}
    assert {path: names for path, names in offending.items() if names} == {}
