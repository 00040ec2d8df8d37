"""CSV formula injection (issue 16, item 3): free text reaching an export is neutralised the OWASP
way (a leading single quote) when a spreadsheet would read it as a formula."""

import csv
import io
from decimal import Decimal

import pytest

from core.csv_export import safe_cell
from directory.choices import Category
from tickets import services

pytestmark = pytest.mark.django_db


def _rows(response):
    assert response.status_code == 200
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))


@pytest.mark.parametrize("service", ['=HYPERLINK("http://x")', "+cmd|' /C calc'!A0", "@SUM(1+1)*cmd", "-1+1"])
def test_a_service_written_as_a_formula_is_text_in_the_managers_export(client, world, service):
    services.open_ticket(actor=world.users["enseignant"], school=world.schools["0341255E"], title="Panne",
                         description="x", category=Category.MALFUNCTION, service=service, impact=2, urgency=2)
    client.force_login(world.users["manager"])
    header, *rows = _rows(client.get("/pilotage/export/services.csv"))
    assert rows == [["'" + service, "1"]]


@pytest.mark.parametrize("value", ["\t=1+1", "\r=1+1", "=1", "-"])
def test_leading_tab_and_carriage_return_are_neutralised_too(value):
    # The ticket services strip them from a service; another export's free text may keep them.
    assert safe_cell(value) == "'" + value


@pytest.mark.parametrize("value", ["Messagerie", "Cahier de textes — 6e", "99,7 %", "a=b", "", "'déjà cité"])
def test_ordinary_text_is_unchanged(value):
    assert safe_cell(value) == value


@pytest.mark.parametrize("value", [-1, 0, 3, -2.5, Decimal("-0.5"), None])
def test_numbers_we_write_stay_numbers(value):
    # A negative figure we computed is not a formula; quoting it would make it text in the sheet.
    assert safe_cell(value) == value
