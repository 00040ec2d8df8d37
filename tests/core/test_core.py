"""The shared core: a service's ValidationError on the form, append-only querysets, read-only admin."""

import pytest
from django import forms
from django.core.exceptions import ValidationError

from core.admin import ReadOnlyAdmin
from core.forms import add_service_errors, errors_by_field
from core.querysets import AppendOnlyQuerySet


class TitleForm(forms.Form):
    title = forms.CharField()


def bound_form():
    form = TitleForm(data={"title": "Panne"})
    assert form.is_valid()
    return form


def test_errors_by_field_reads_a_dict_a_list_and_a_bare_message():
    assert errors_by_field(ValidationError({"title": "trop court", "__all__": "refusé"})) == {
        "title": ["trop court"], None: ["refusé"]}
    assert errors_by_field(ValidationError("refusé")) == {None: ["refusé"]}
    assert errors_by_field(ValidationError(["un", "deux"])) == {None: ["un", "deux"]}


def test_service_errors_land_on_their_field_or_on_the_form():
    form = bound_form()
    add_service_errors(form, ValidationError({"title": "déjà pris", "school": "inconnue"}))
    assert form.errors["title"] == ["déjà pris"]
    assert form.non_field_errors() == ["inconnue"]  # no such field on this form: shown on the form

    form = bound_form()
    add_service_errors(form, ValidationError("La demande est close."))  # no message_dict: no AttributeError
    assert form.non_field_errors() == ["La demande est close."]


def test_append_only_queryset_refuses_bulk_writes_with_its_log_messages():
    class Log(AppendOnlyQuerySet):
        update_refused, delete_refused = "non modifiable", "non effaçable"

    from journal.models import AccessEntry

    qs = Log(model=AccessEntry)
    with pytest.raises(TypeError, match="non modifiable"):
        qs.update(detail={})
    with pytest.raises(TypeError, match="non effaçable"):
        qs.delete()
    with pytest.raises(TypeError):
        AccessEntry.objects.update(detail={})  # the manager goes through the queryset


def test_read_only_admin_grants_no_write(rf):
    from django.contrib import admin

    from helpdesk.models import BackgroundTask

    model_admin = ReadOnlyAdmin(BackgroundTask, admin.site)
    request = rf.get("/")
    assert not model_admin.has_add_permission(request)
    assert not model_admin.has_change_permission(request)
    assert not model_admin.has_delete_permission(request)


def test_service_arguments_named_otherwise_on_the_form():
    form = bound_form()
    add_service_errors(form, ValidationError({"summary": "vide", "other": "refusé"}),
                       field_of={"summary": "title"}.get)
    assert form.errors["title"] == ["vide"]
    assert form.non_field_errors() == ["refusé"]
