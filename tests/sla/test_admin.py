"""Admin of the sla app: French, searchable; a policy is changed by publishing a new version."""

import pytest
from django.core.exceptions import ValidationError

from sla.models import Clock, Outage, SchoolHoliday, Service, SlaPolicy, SlaTarget
from sla.services import publish_policy

pytestmark = pytest.mark.django_db
TARGETS = [{"kind": "first_response", "priority": "P3", "seconds": 7200},
           {"kind": "resolution", "priority": "P3", "seconds": 28800}]


@pytest.fixture
def admin_client(client, world):
    client.force_login(world.users["admin"])
    return client


def inline(rows, initial=0, prefix="targets"):
    data = {f"{prefix}-TOTAL_FORMS": str(len(rows)), f"{prefix}-INITIAL_FORMS": str(initial),
            f"{prefix}-MIN_NUM_FORMS": "0", f"{prefix}-MAX_NUM_FORMS": "1000"}
    for i, row in enumerate(rows):
        for key, value in row.items():
            data[f"{prefix}-{i}-{key}"] = "" if value is None else str(value)
    return data


POLICY_FORM = {"name": "Contrat 2025", "time_basis": "business", "warning_ratio": "0.75", "restart_on_reopen": "on",
               "availability_target": "99.7", "availability_target_outside": "97"}


def test_every_sla_model_is_listed_in_french_with_search(world, admin_client):
    for model in (SlaPolicy, Clock, Service, Outage, SchoolHoliday):
        url = f"/admin/sla/{model._meta.model_name}/"
        response = admin_client.get(url, {"q": "x"})
        assert response.status_code == 200, url
    home = admin_client.get("/admin/").content.decode()
    assert "Politiques de service" in home and "Interruptions de service" in home and "Compteurs de délai" in home


def test_adding_a_policy_publishes_version_1_with_its_targets(world, admin_client):
    convention = world.conventions["montpellier"]
    data = {"convention": convention.pk, **POLICY_FORM,
            **inline([{"kind": "first_response", "priority": "P3", "seconds": 7200},
                      {"kind": "level", "level": 0, "seconds": 14400}])}
    response = admin_client.post("/admin/sla/slapolicy/add/", data)
    assert response.status_code == 302, response.content.decode()[:3000]
    policy = SlaPolicy.objects.get(convention=convention)
    assert (policy.version, policy.is_current, policy.created_by) == (1, True, world.users["admin"])
    assert sorted(policy.targets.values_list("kind", "seconds")) == [("first_response", 7200), ("level", 14400)]


def test_saving_a_published_policy_publishes_a_new_version_and_keeps_the_old(world, admin_client):
    v1 = publish_policy(world.conventions["montpellier"], targets=TARGETS, name="Contrat 2024")
    rows = [{"id": t.pk, "policy": v1.pk, "kind": t.kind, "priority": t.priority, "level": t.level, "seconds": t.seconds}
            for t in v1.targets.order_by("kind")]
    rows[0]["seconds"] = 3600  # first response: 1 h instead of 2 h
    response = admin_client.post(f"/admin/sla/slapolicy/{v1.pk}/change/",
                                 {**POLICY_FORM, "warning_ratio": "0.8", **inline(rows, initial=len(rows))})
    assert response.status_code == 302, response.content.decode()[:3000]
    v1.refresh_from_db()
    assert (v1.version, v1.name, str(v1.warning_ratio), v1.is_current) == (1, "Contrat 2024", "0.750", False)
    assert sorted(v1.targets.values_list("kind", "seconds")) == [("first_response", 7200), ("resolution", 28800)]
    v2 = SlaPolicy.objects.get(convention=v1.convention, is_current=True)
    assert (v2.version, v2.name, str(v2.warning_ratio)) == (2, "Contrat 2025", "0.800")
    assert sorted(v2.targets.values_list("kind", "seconds")) == [("first_response", 3600), ("resolution", 28800)]


def test_invalid_targets_are_a_form_error_and_write_nothing(world, admin_client):
    convention = world.conventions["montpellier"]
    data = {"convention": convention.pk, **POLICY_FORM,
            **inline([{"kind": "level", "priority": "", "seconds": 60}])}  # a level target without its level
    response = admin_client.post("/admin/sla/slapolicy/add/", data)
    assert response.status_code == 200
    errors = response.context["inline_admin_formsets"][0].formset
    assert errors.non_form_errors() or any(errors.errors)
    assert not SlaPolicy.objects.exists()


def test_a_published_version_cannot_be_rewritten_or_deleted(world, admin_client):
    v1 = publish_policy(world.conventions["montpellier"], targets=TARGETS)
    v1.warning_ratio = "0.5"
    with pytest.raises(ValidationError):
        v1.save()
    with pytest.raises(ValidationError):
        v1.delete()
    target = v1.targets.first()
    target.seconds = 1
    with pytest.raises(ValidationError):
        target.save()
    with pytest.raises(ValidationError):
        SlaTarget(policy=v1, kind="resolution", priority="P1", seconds=60).save()
    assert admin_client.post(f"/admin/sla/slapolicy/{v1.pk}/delete/", {"post": "yes"}).status_code == 403
    assert SlaPolicy.objects.get(pk=v1.pk).warning_ratio == v1.__class__.objects.get(pk=v1.pk).warning_ratio


def test_clocks_and_outages_are_read_only(world, admin_client):
    assert admin_client.get("/admin/sla/clock/add/").status_code == 403
    assert admin_client.get("/admin/sla/outage/add/").status_code == 403
    assert admin_client.get("/admin/sla/service/add/").status_code == 200


def test_the_same_target_twice_is_refused_with_the_reason(world, admin_client):
    data = {"convention": world.conventions["montpellier"].pk, **POLICY_FORM,
            **inline([{"kind": "resolution", "priority": "P3", "seconds": 60},
                      {"kind": "resolution", "priority": "P3", "seconds": 120}])}
    response = admin_client.post("/admin/sla/slapolicy/add/", data)
    assert response.status_code == 200
    assert "déjà donné" in " ".join(response.context["inline_admin_formsets"][0].formset.non_form_errors())
    assert not SlaPolicy.objects.exists()
