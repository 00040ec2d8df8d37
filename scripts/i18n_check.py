#!/usr/bin/env python
"""Is every message of the code translated into English? Exit 1 (and print the msgids) if not.

Runs `manage.py makemessages -l en` on a temporary copy of the sources and of the committed
catalogues (locale/ and api/locale/), so the checkout is never modified, then reports every msgid
of the code that has no English translation, or only a fuzzy one (a translation gettext guessed
from a similar old string: usually wrong). It also checks that each committed django.mo holds
exactly the translations of its django.po (compiled after the last edit) and, when msgfmt is
installed, that `msgfmt --check` accepts the catalogue (placeholders, plural forms, header).

    .venv/bin/python scripts/i18n_check.py        # ~20 s; tests/web/test_catalogue.py runs it

Fixing what it reports: makemessages as in the README (locale/ keeps its `#:` locations; api/locale
has its own process, see api/locale/en_messages.py), translate, then compilemessages -l en.
"""

from __future__ import annotations

import ast
import gettext
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CATALOGUES = [Path("locale/en/LC_MESSAGES/django.po"), Path("api/locale/en/LC_MESSAGES/django.po")]
# What makemessages reads (the django domain) and the directories the project's command ignores
# (-i ".venv/*" -i "node_modules/*" -i "bench/*" -i "tests/*"; makemessages skips dot-directories).
EXTENSIONS = {".py", ".html", ".txt"}
IGNORED_DIRS = {".venv", "node_modules", "bench", "tests", "__pycache__", "var"}


class Entry:
    def __init__(self):
        self.msgctxt: str | None = None
        self.msgid = ""
        self.msgid_plural: str | None = None
        self.msgstr: dict[int, str] = {}
        self.fuzzy = False
        self.locations: list[str] = []

    @property
    def translated(self) -> bool:
        return bool(self.msgstr) and all(self.msgstr.values()) and not self.fuzzy

    @property
    def key(self) -> str:
        return f"{self.msgctxt}\x04{self.msgid}" if self.msgctxt is not None else self.msgid


def parse_po(path: Path) -> list[Entry]:
    """The live entries of a .po file (obsolete `#~` ones left out), header included."""
    entries: list[Entry] = []
    entry, field = Entry(), None  # field: None before the entry's first line, then what we read

    def flush():
        nonlocal entry, field
        if field not in (None, "comment"):
            entries.append(entry)
        entry, field = Entry(), None

    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line:
            flush()
        elif line.startswith("#~"):
            continue
        elif line.startswith("#"):
            if field not in (None, "comment"):  # a comment right after an entry starts the next one
                flush()
            field = "comment"
            if line.startswith("#,") and "fuzzy" in line[2:].replace(",", " ").split():
                entry.fuzzy = True
            elif line.startswith("#:"):
                entry.locations += line[2:].split()
        elif line.startswith('"'):
            value = ast.literal_eval(line)
            if field == "msgctxt":
                entry.msgctxt += value
            elif field == "msgid":
                entry.msgid += value
            elif field == "msgid_plural":
                entry.msgid_plural += value
            elif isinstance(field, int):
                entry.msgstr[field] += value
        else:
            keyword, _, rest = line.partition(" ")
            if keyword in ("msgctxt", "msgid") and (isinstance(field, int) or (keyword == "msgctxt" and field == "msgid")):
                flush()
            value = ast.literal_eval(rest)
            if keyword == "msgctxt":
                entry.msgctxt, field = value, "msgctxt"
            elif keyword == "msgid":
                entry.msgid, field = value, "msgid"
            elif keyword == "msgid_plural":
                entry.msgid_plural, field = value, "msgid_plural"
            elif keyword == "msgstr":
                entry.msgstr[0], field = value, 0
            elif keyword.startswith("msgstr["):
                field = int(keyword[7:-1])
                entry.msgstr[field] = value
    flush()
    return entries


def copy_sources(destination: Path) -> None:
    for dirpath, dirnames, filenames in os.walk(ROOT):
        dirnames[:] = [d for d in dirnames if d not in IGNORED_DIRS and not d.startswith(".")]
        here = Path(dirpath)
        for name in filenames:
            if Path(name).suffix in EXTENSIONS:
                target = destination / (here / name).relative_to(ROOT)
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(here / name, target)
    for po in CATALOGUES:
        (destination / po).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(ROOT / po, destination / po)


def missing_translations(python: str) -> dict[Path, list[Entry]]:
    """Per catalogue, the msgids of the code without a non-fuzzy English translation."""
    with tempfile.TemporaryDirectory(prefix="i18n_check_") as tmp:
        copy = Path(tmp) / "src"
        copy_sources(copy)
        env = {**os.environ, "HELPDESK_PROFILE": "embedded", "HELPDESK_DATA_DIR": str(Path(tmp) / "var"),
               "DJANGO_SETTINGS_MODULE": "helpdesk.settings", "PYTHONDONTWRITEBYTECODE": "1"}
        env.pop("DATABASE_URL", None)
        command = [python, "manage.py", "makemessages", "-l", "en", "--no-obsolete",
                   "-i", ".venv/*", "-i", "node_modules/*", "-i", "bench/*", "-i", "tests/*"]
        done = subprocess.run(command, cwd=copy, env=env, capture_output=True, text=True, timeout=300)
        if done.returncode:
            sys.exit(f"makemessages failed:\n{done.stdout}\n{done.stderr}")
        return {po: [e for e in parse_po(copy / po) if e.msgid and not e.translated] for po in CATALOGUES}


def stale_compilations() -> list[str]:
    """Catalogues whose committed .mo does not hold exactly the translations of the .po."""
    problems = []
    for po in CATALOGUES:
        mo = (ROOT / po).with_suffix(".mo")
        if not mo.exists():
            problems.append(f"{mo.relative_to(ROOT)} is missing: run compilemessages -l en")
            continue
        with mo.open("rb") as fp:
            compiled = {k: v for k, v in gettext.GNUTranslations(fp)._catalog.items() if k != ""}
        expected = {}
        for entry in parse_po(ROOT / po):
            if not entry.msgid or not entry.translated:
                continue
            if entry.msgid_plural is None:
                expected[entry.key] = entry.msgstr[0]
            else:
                expected.update({(entry.key, n): text for n, text in entry.msgstr.items()})
        if compiled != expected:
            differ = sorted(str(k) for k in set(compiled) ^ set(expected)) or sorted(
                str(k) for k in expected if compiled.get(k) != expected[k])
            problems.append(f"{mo.relative_to(ROOT)} does not match its .po ({len(differ)} message(s), "
                            f"e.g. {differ[0][:80]!r}): run compilemessages -l en")
    return problems


def msgfmt_errors() -> list[str]:
    if not shutil.which("msgfmt"):
        return []
    problems = []
    for po in CATALOGUES:
        done = subprocess.run(["msgfmt", "--check", "-o", os.devnull, str(ROOT / po)], capture_output=True, text=True)
        if done.returncode:
            problems.append(f"msgfmt --check {po}:\n{done.stderr.strip()}")
    return problems


def main() -> int:
    python = sys.executable
    venv_python = ROOT / ".venv" / "bin" / "python"
    if venv_python.exists():
        python = str(venv_python)
    failed = False
    for po, entries in missing_translations(python).items():
        if entries:
            failed = True
            print(f"{po}: {len(entries)} msgid(s) without an English translation (untranslated or fuzzy):")
            for entry in entries:
                where = f"  [{entry.locations[0]}]" if entry.locations else ""
                kind = "fuzzy" if entry.fuzzy else "untranslated"
                context = f" (context {entry.msgctxt!r})" if entry.msgctxt is not None else ""
                print(f"  {kind}: {entry.msgid!r}{context}{where}")
    for problem in stale_compilations() + msgfmt_errors():
        failed = True
        print(problem)
    if not failed:
        print("English catalogues complete and compiled.")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
