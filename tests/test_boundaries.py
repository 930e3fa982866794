"""Import boundaries: the model SDKs are used in one module only, and verification never
reaches the model layer (it stays pure)."""

from __future__ import annotations

import ast
from pathlib import Path

AGENT = Path(__file__).resolve().parent.parent / "agent"
SDKS = {"openai", "instructor", "httpx2"}
PURE = ("verify.py", "grounding.py", "consistency.py", "completeness.py", "summary_check.py",
        "stats.py", "numbers.py", "document.py", "report.py")


def imported(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def test_only_llm_py_imports_the_model_sdks() -> None:
    users = {str(p.relative_to(AGENT)) for p in AGENT.rglob("*.py")
             if {n.split(".")[0] for n in imported(p)} & SDKS}
    assert users == {"llm.py"}


def test_verification_modules_never_import_the_model_layer() -> None:
    for name in PURE:
        modules = imported(AGENT / name)
        assert not {m for m in modules if m.startswith(("agent.llm", "agent.backends",
                                                        "agent.extract", "agent.summarise"))}, \
            name
