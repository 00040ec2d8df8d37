"""A service's ValidationError shown on the form that called it."""

from collections.abc import Callable

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError


def errors_by_field(exc: ValidationError) -> dict[str | None, list[str]]:
    """The messages of `exc` by field name; None holds those about the whole input.

    A service raises either `ValidationError({"field": ...})` or a bare message: both are read here,
    so a caller never reaches for `message_dict` on an error that has none (an AttributeError, a 500).
    """
    if not hasattr(exc, "error_dict"):
        return {None: exc.messages}
    out: dict[str | None, list[str]] = {}
    for field, messages in exc.message_dict.items():
        out.setdefault(None if field == NON_FIELD_ERRORS else field, []).extend(messages)
    return out


def add_service_errors(form, exc: ValidationError, field_of: Callable[[str], str | None] | None = None) -> None:
    """Put each message of `exc` on its field of `form`, or on the form when it has no such field.

    `field_of` names the form field of a service argument when the two names differ (None: the form).
    """
    for name, messages in errors_by_field(exc).items():
        field = None if name is None else (field_of(name) if field_of else name)
        form.add_error(field if field in form.fields else None, messages)
