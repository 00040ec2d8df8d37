"""Querysets of logs that are written once and never rewritten (a ticket's timeline, the access
journal): the bulk `update()` and `delete()` of the ORM refuse to run."""

from django.db import models


class AppendOnlyQuerySet(models.QuerySet):
    """Bulk writes refused. The model refuses `save()` of an existing row and `delete()` itself.

    A log names what it is in the two messages (class attributes, for the developer who tries).
    """

    update_refused = "Ce journal ne se modifie pas."
    delete_refused = "Ce journal ne s'efface pas."

    def update(self, **kwargs):
        raise TypeError(self.update_refused)

    def delete(self):
        raise TypeError(self.delete_refused)

    update.queryset_only = True
    delete.queryset_only = True
