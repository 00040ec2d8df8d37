"""A workflow table made into django-fsm transitions: one `fsm_<name>` per row, on a mixin class the
model inherits (django-fsm collects transitions from the class, inherited members included). The
table stays the one place that says which move goes from where to where."""

from django_fsm import transition


def transitions_mixin(class_name: str, table, *, field: str, table_name: str) -> type:
    """A class with one no-op FSM transition per row (`row.name`, `row.source`, `row.target`)."""

    def stub(row):
        def method(self):
            pass

        method.__name__ = method.__qualname__ = f"fsm_{row.name}"
        method.__doc__ = f"State move of `{row.name}` (see {table_name})."
        return transition(field=field, source=list(row.source), target=row.target)(method)

    return type(class_name, (), {f"fsm_{row.name}": stub(row) for row in table})
