"""Fee statements (directory/fees.py): schools × fee per school, per collectivité and school year,
the basis of the « titre de perception »."""

import csv
import io
from datetime import date
from pathlib import Path

import pytest
import time_machine
from django.core.management import CommandError, call_command

from directory.fees import fee_lines, statement_csv
from directory.importers.conventions import import_convention
from directory.lifecycle import AmendmentKind
from directory.models import Convention, User
from directory.services import record_amendment

pytestmark = pytest.mark.django_db
EXAMPLES = Path(__file__).resolve().parents[2] / "docs" / "conventions"


def rows(text):
    return list(csv.reader(io.StringIO(text), delimiter=";"))


def test_occitanie_2022_two_schools_at_45_euros():
    import_convention(EXAMPLES / "occitanie-villeneuve-les-maguelone.yaml")
    table = rows(statement_csv("2022-2023"))
    assert table[0] == ["Collectivité", "SIRET", "Convention", "Année scolaire", "UAI", "École", "Montant (€)"]
    assert [r[4] for r in table[1:3]] == ["0341255E", "0342026T"] and {r[6] for r in table[1:3]} == {"45.00"}
    assert table[3] == ["Commune de Villeneuve-lès-Maguelone", "21340337100015", "", "2022-2023", "", "Total : 2 écoles", "90.00"]
    assert fee_lines("2023-2024") == []  # ended on 1 September 2023: no renewal in the text


def test_montpellier_2020_bills_2020_2021_only_and_a_recorded_renewal_bills_the_next_year():
    import_convention(EXAMPLES / "montpellier-ent-ecole.json")
    assert [(line.uai, line.amount) for line in fee_lines("2020-2021")] == [("0341301E", 50)]
    assert fee_lines("2021-2022") == []  # « dernière année scolaire incluse » 2020-2021 (ends 31 October 2021)
    admin = User.objects.create_superuser("admin-fees", "a@example.org", "x")
    c = Convention.objects.get(reference="MONTPELLIER-ENT-ECOLE-SETE-2020")
    record_amendment(admin, c, kind=AmendmentKind.RENEWAL, signed_on=date(2021, 10, 1), takes_effect_on=date(2021, 11, 1),
                     new_ends_on=date(2022, 10, 31), summary="Année 2021-2022.")
    assert [line.amount for line in fee_lines("2021-2022")] == [50]


def test_demo_current_year_and_admin_action(client, world):
    table = rows(statement_csv("2026-2027"))
    totals = {r[0]: (r[5], r[6]) for r in table[1:] if r[5].startswith("Total")}
    assert totals["Commune de Villeneuve-lès-Maguelone"] == ("Total : 2 écoles", "90.00")
    # the list the demo avenant of 2021-2022 set (art. 6.2: « pour les années scolaires suivantes »)
    assert totals["Commune de Sète (illustrative)"] == ("Total : 2 écoles", "90.00")
    assert "Mairie de Villeneuve-Loubet" not in totals  # fee 0
    client.force_login(world.users["admin"])
    with time_machine.travel(date(2026, 12, 1), tick=False):
        response = client.post("/admin/directory/convention/", {
            "action": "fee_statement", "_selected_action": [world.conventions["montpellier"].pk]})
    assert response.status_code == 200 and 'participations-2026-2027.csv' in response["Content-Disposition"]
    body = response.content.decode("utf-8-sig")
    assert "Total : 2 écoles;90.00" in body and "Sète" not in body


def test_command_refuses_a_bad_school_year(tmp_path):
    with pytest.raises(CommandError, match="année scolaire : « 2022 » attendu sous la forme 2022-2023"):
        call_command("fee_statement", "2022")
    import_convention(EXAMPLES / "occitanie-villeneuve-les-maguelone.yaml")
    out = tmp_path / "releve.csv"
    call_command("fee_statement", "2022-2023", "--output", str(out))
    assert "Total : 2 écoles;90.00" in out.read_text(encoding="utf-8-sig")
