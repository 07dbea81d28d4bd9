"""The dependency contracts between the apps (pyproject.toml, [tool.importlinter]) hold: the
case core imports no area, lower layers never import higher ones."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_the_import_contracts_are_kept():
    lint = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run(  # noqa: S603 - our own venv's lint-imports, fixed arguments
        [str(lint), "--no-cache"], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def test_the_contracts_name_every_app():
    """A new app must take its place in the layers, or the contract would not see it."""
    import tomllib

    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]
    layers = " ".join(c for contract in config["contracts"] for c in contract.get("layers", []))
    apps = {
        p.name
        for p in (ROOT / "aftersales").iterdir()
        if p.is_dir() and (p / "__init__.py").exists() and p.name != "templates"
    }
    missing = {app for app in apps if f"aftersales.{app}" not in layers}
    assert missing == set()
