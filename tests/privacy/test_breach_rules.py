"""Who notifies the CNIL of a breach, per convention (issue 15): Grand Est by the perimeter of the
persons affected (art. 7), Occitanie the Rectrice (art. 8), Alpes-Maritimes a file the collectivité
and the Éducation nationale draft together (art. 6) — both DPOs edit it and each approves it."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from directory.breach_rules import check_breach_rules
from directory.choices import Category, Role
from directory.models import Membership, User
from privacy import breaches
from privacy.services import save_breach_report
from tickets import services
from tickets.models import TicketEvent


def _breach(world, school_uai, actor="admin"):
    return services.open_ticket(actor=world.users[actor], school=world.schools[school_uai], category=Category.SECURITY,
                                title="Documents visibles par un autre compte", description="Fuite suspectée",
                                impact=1, urgency=1)


def _dpo(username, **target):
    user = User.objects.create_user(username, password="x", first_name="DPD", last_name=username)
    Membership.objects.create(user=user, role=Role.DPO, **target)
    return user


@pytest.mark.parametrize("perimeter, who", [
    ("all", "Collectivité — Région Grand Est"),
    ("academie", "Autorité académique — Académie de Nancy-Metz"),
    ("departement", "Collectivité — Département de la Moselle"),
    ("schools", "Chef(s) d'établissement concerné(s) — Collège La Source"),
])
def test_grand_est_the_perimeter_of_the_persons_affected_decides(world, perimeter, who):
    t = _breach(world, "0570098X")
    assert breaches.cnil_notifier(t, None)["pending"] is True  # the file must say the perimeter first
    report = save_breach_report(t, actor=world.users["admin"], nature="Fuite", affected_perimeter=perimeter)
    found = breaches.cnil_notifier(t, report)
    assert found["who"].startswith(who.split(" — ")[0]) and who.split(" — ")[1] in found["who"], found
    assert "article 7" in found["why"] and found["pending"] is False


def test_occitanie_the_rectrice_notifies(world):
    t = _breach(world, "0341255E")
    found = breaches.cnil_notifier(t, None)
    assert found["who"] == "Autorité académique — Académie de Montpellier" and "article 8" in found["why"]


def test_alpes_maritimes_both_dpos_draft_and_approve_the_same_file(world, client):
    t = _breach(world, "0060768C")
    academie_dpo = _dpo("dpd-nice", academie=world.schools["0060768C"].academie)
    commune_dpo = _dpo("dpd-villeneuve-loubet", collectivite=world.schools["0060768C"].collectivite)
    save_breach_report(t, actor=commune_dpo, nature="Partage mal paramétré")
    report = save_breach_report(t, actor=academie_dpo, nature="Partage mal paramétré", approx_persons=12)
    assert breaches.approvals_pending(t, report) == ["Collectivité", "Éducation nationale (DSDEN, rectorat)"]
    breaches.approve_file(t, actor=commune_dpo)
    with pytest.raises(ValidationError, match="déjà validé"):
        breaches.approve_file(t, actor=commune_dpo)
    client.force_login(academie_dpo)
    page = client.get(reverse("privacy:breach", args=[t.reference])).content.decode()
    assert "Validé pour Collectivité" in page and "Valider le dossier pour ma partie" in page
    assert client.post(reverse("privacy:breach_approve", args=[t.reference])).status_code == 302
    report.refresh_from_db()
    assert set(report.approvals) == {"collectivite", "academie"} and breaches.approvals_pending(t, report) == []
    assert TicketEvent.objects.filter(ticket=t, payload__step="file_approved").count() == 2
    # A change of the file: each party approves the new text again.
    report = save_breach_report(t, actor=commune_dpo, nature="Partage mal paramétré (précisé)")
    assert report.approvals == {} and len(breaches.approvals_pending(t, report)) == 2


def test_approval_only_where_the_convention_drafts_jointly_and_by_a_party_dpo(world):
    t = _breach(world, "0341255E")
    save_breach_report(t, actor=world.users["dpo"], nature="Fuite")
    with pytest.raises(ValidationError, match="conjointement"):
        breaches.approve_file(t, actor=world.users["dpo"])
    nice = _breach(world, "0060768C")
    save_breach_report(nice, actor=world.users["admin"], nature="Fuite")
    with pytest.raises(PermissionDenied):
        breaches.approve_file(nice, actor=world.users["dpo"])  # Montpellier's DPO: not a party here


def test_the_import_names_a_wrong_rule():
    assert check_breach_rules({"cnil_notifier": "cnil", "source": "art. 7"}) == [
        ("cnil_notifier", "« cnil » inconnu (attendu : academie, collectivite, school, perimeter).")]
    assert ("source", "citer la clause de la convention qui fonde la règle.") in check_breach_rules({"cnil_notifier": "academie"})
