"""People who choose English get English everywhere: every msgid of the code has a non-fuzzy English
translation in locale/en (and api/locale/en), and the committed .mo files are compiled from the .po.
scripts/i18n_check.py runs makemessages on a temporary copy, so the checkout is never modified."""

import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts"))
import i18n_check  # noqa: E402


@pytest.mark.skipif(shutil.which("xgettext") is None, reason="makemessages needs GNU gettext (xgettext, msgmerge)")
def test_every_msgid_of_the_code_has_an_english_translation():
    done = subprocess.run([sys.executable, str(ROOT / "scripts/i18n_check.py")], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "complete and compiled" in done.stdout


def test_the_check_counts_fuzzy_and_empty_translations_as_missing(tmp_path):
    po = tmp_path / "django.po"
    po.write_text(textwrap.dedent('''\
        msgid ""
        msgstr ""
        "Language: en\\n"

        #: a.py:1
        msgid "Bonjour,"
        msgstr "Hello,"

        #: a.py:2
        #, fuzzy, python-format
        #| msgid "Charte de communication"
        msgid "Charte de communication des collectivités"
        msgstr "with the local authority's IT department"

        #: a.py:3
        msgid ""
        "Message trop "
        "volumineux"
        msgstr ""

        #: a.py:4
        #, python-format
        msgid "%(n)s école"
        msgid_plural "%(n)s écoles"
        msgstr[0] "%(n)s school"
        msgstr[1] ""

        msgctxt "mois"
        msgid "mai"
        msgstr "May"

        #~ msgid "Ancienne chaîne"
        #~ msgstr "Old string"
        '''), encoding="utf-8")
    entries = {e.msgid: e for e in i18n_check.parse_po(po) if e.msgid}
    assert set(entries) == {"Bonjour,", "Charte de communication des collectivités", "Message trop volumineux",
                            "%(n)s école", "mai"}
    assert [m for m, e in entries.items() if not e.translated] == [
        "Charte de communication des collectivités", "Message trop volumineux", "%(n)s école"]
    assert entries["mai"].key == "mois\x04mai" and entries["Bonjour,"].locations == ["a.py:1"]
