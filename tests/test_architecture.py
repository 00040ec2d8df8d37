"""What imports what between the apps (docs/architecture.md): the import-linter contracts of
pyproject.toml hold, and they cover every app of the project."""

import shutil
import subprocess
import sys
from pathlib import Path

from django.apps import apps
from django.conf import settings

ROOT = Path(settings.BASE_DIR)


def _lint_imports() -> str:
    # The script installed next to the interpreter (the venv's), so the pinned import-linter runs.
    script = Path(sys.executable).with_name("lint-imports")
    return str(script) if script.exists() else shutil.which("lint-imports")


def test_apps_import_downwards_only():
    run = subprocess.run(
        [_lint_imports(), "--config", "pyproject.toml", "--no-cache", "--no-logo"],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
    )
    assert run.returncode == 0, run.stdout + run.stderr


def test_the_contracts_cover_every_app_of_the_project():
    """A new app joins a layer: it cannot import upwards unseen."""
    from importlinter.api import read_configuration

    config = read_configuration(str(ROOT / "pyproject.toml"))
    root_packages = set(config["session_options"]["root_packages"])
    project_apps = {a.name for a in apps.get_app_configs() if Path(a.path).parent == ROOT}
    assert project_apps == root_packages
    layered = set()
    for contract in config["contracts_options"]:
        if contract["type"] == "layers":
            for layer in contract["layers"]:
                layered |= {name.strip() for name in layer.replace("|", ":").split(":")}
    assert layered == root_packages
