"""The code stays easy to change: modules keep to one job (size is the symptom we can measure) and
no module reaches into another's private names (issue 12)."""
from __future__ import annotations

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src"
MAX_LINES = 600
# Modules allowed past MAX_LINES because each is one cohesive table of data, not several jobs.
TABLES = {
    "tui/i18n/wizard.py": "the wizard's strings, each key's English and Chinese side by side",
}
OUR_PACKAGES = ("engine", "tui")


def python_files() -> list[Path]:
    return sorted(p for p in SRC.rglob("*.py") if "egg-info" not in str(p))


def module_name(path: Path) -> str:
    parts = list(path.relative_to(SRC).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def resolve(path: Path, node: ast.ImportFrom) -> str:
    if not node.level:
        return node.module or ""
    package = module_name(path).split(".")
    if path.name != "__init__.py":
        package.pop()
    base = package[: len(package) - node.level + 1]
    return ".".join(base + ([node.module] if node.module else []))


def test_no_module_is_past_the_size_where_it_mixes_jobs():
    too_long = {}
    for path in python_files():
        rel = path.relative_to(SRC).as_posix()
        lines = len(path.read_text(encoding="utf-8").splitlines())
        if lines > MAX_LINES and rel not in TABLES:
            too_long[rel] = lines
    assert not too_long, f"split these along their seams (or, for one table of data, list them in TABLES): {too_long}"


def test_the_allowed_tables_still_exist_and_are_still_long():
    # A stale exemption would let the next module grow unnoticed under an old name.
    for rel in TABLES:
        path = SRC / rel
        assert path.is_file(), rel
        assert len(path.read_text(encoding="utf-8").splitlines()) > MAX_LINES, f"{rel} is short now: drop it from TABLES"


def private_imports(path: Path) -> list[str]:
    """`from engine.x import _name` (or `from .x import _name`) across module boundaries."""
    found = []
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    me = module_name(path)
    for node in ast.walk(tree):
        if not isinstance(node, ast.ImportFrom):
            continue
        source = resolve(path, node)
        if source.split(".")[0] not in OUR_PACKAGES or source == me:
            continue
        for alias in node.names:
            if alias.name.startswith("_") and not alias.name.startswith("__"):
                found.append(f"{path.relative_to(SRC)}:{node.lineno} imports {alias.name} from {source}")
    return found


def test_no_module_imports_another_modules_private_names():
    found = [hit for path in python_files() for hit in private_imports(path)]
    assert not found, "make the name public where it is defined, or move the code beside it:\n" + "\n".join(found)


def test_the_private_import_check_sees_relative_and_absolute_imports(tmp_path):
    # The check above must be able to fail: feed it both spellings in a throwaway tree.
    pkg = tmp_path / "engine" / "data"
    pkg.mkdir(parents=True)
    (tmp_path / "engine" / "__init__.py").write_text("")
    (pkg / "__init__.py").write_text("")
    (pkg / "a.py").write_text("def _helper():\n    pass\n")
    (pkg / "b.py").write_text("from .a import _helper\nfrom engine.data.a import _helper as h\n"
                              "from __future__ import annotations\n")
    global SRC
    saved, SRC = SRC, tmp_path
    try:
        hits = private_imports(pkg / "b.py")
    finally:
        SRC = saved
    assert len(hits) == 2 and all("_helper from engine.data.a" in h for h in hits), hits
