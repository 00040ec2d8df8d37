"""The data-subject request pages: French form with errors beside the fields, the request page
(competent party and why, clocks, steps), perimeter."""

from django.urls import reverse

from directory.choices import Role
from directory.models import Membership, User
from privacy.models import DataSubjectRequest


def _post(client, convention, **over):
    data = {"person_name": "Camille Parent", "person_contact": "camille@example.org", "right": "erasure",
            "convention": convention.pk, "school": convention.schools.order_by("pk").first().pk,
            "module": "messagerie", "received_by": "collectivite", "received_at": "2025-03-14T10:00"}
    data.update(over)
    return client.post(reverse("privacy:request_new"), data)


def test_intake_form_and_request_page(client, convention, dpo):
    c = convention("poitiers")
    client.force_login(dpo(c))
    page = client.get(reverse("privacy:request_new"))
    assert page.status_code == 200 and "Droit exercé" in page.content.decode()
    bad = _post(client, c, person_name="", module="cantine")
    body = bad.content.decode()
    assert bad.status_code == 400 and 'id="person_name-error"' in body and 'id="module-error"' in body
    response = _post(client, c)
    req = DataSubjectRequest.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("privacy:request", args=[req.pk])
    body = client.get(response["Location"]).content.decode()
    assert "Éducation nationale" in body and "toute autre demande est traitée de façon centralisée par la DSDEN" in body
    assert "22/03/2025 10:00" in body  # the 8-day forwarding clock
    assert "14/04/2025 10:00" in body  # the one-month answer clock
    listing = client.get(reverse("privacy:requests")).content.decode()
    assert reverse("privacy:request", args=[req.pk]) in listing and "Camille" not in listing  # no name in lists


def test_step_errors_beside_the_field_and_success(client, convention, dpo):
    c = convention("poitiers")
    client.force_login(dpo(c))
    _post(client, c)
    req = DataSubjectRequest.objects.get()
    url = reverse("privacy:request_step", args=[req.pk])
    bad = client.post(url, {"kind": "extended", "at": "2025-03-20T10:00", "detail": ""})
    assert bad.status_code == 400 and "motif de la prolongation" in bad.content.decode()
    ok = client.post(url, {"kind": "forwarded", "at": "2025-03-21T10:00"})
    assert ok.status_code == 302
    body = client.get(reverse("privacy:request", args=[req.pk])).content.decode()
    assert "Transmise au responsable compétent" in body and "dans le délai" in body


def test_outside_the_perimeter_is_404_and_a_requester_403(client, convention, dpo):
    c = convention("poitiers")
    client.force_login(dpo(c))
    _post(client, c)
    req = DataSubjectRequest.objects.get()
    other = convention("occitanie")
    stranger = User.objects.create_user("autre")
    Membership.objects.create(user=stranger, role=Role.DPO, academie=other.schools.first().academie)
    client.force_login(stranger)
    assert client.get(reverse("privacy:request", args=[req.pk])).status_code == 404
    assert client.post(reverse("privacy:request_step", args=[req.pk]), {"kind": "answered", "at": "2025-03-20T10:00"}).status_code == 404
    client.force_login(User.objects.create_user("parent"))
    assert client.get(reverse("privacy:request_new")).status_code == 403


def test_navigation_links_agents_and_dpos_only(client, convention, dpo):
    c = convention("poitiers")
    link = f'href="{reverse("privacy:requests")}"'
    client.force_login(dpo(c))
    assert link in client.get(reverse("privacy:request_new")).content.decode()
    agent = User.objects.create_user("agent")
    Membership.objects.create(user=agent, role=Role.AGENT, collectivite=c.collectivites.first())
    client.force_login(agent)
    assert link in client.get(reverse("privacy:request_new")).content.decode()
