from django import template
from django.db.models import Q

from helpdesk.models import BackgroundTask

register = template.Library()


@register.inclusion_tag("admin/_background_tasks_alert.html")
def background_task_alerts():
    """Periodic tasks that fail or stopped being registered, for the admin's home page."""
    troubled = list(BackgroundTask.objects.filter(Q(consecutive_failures__gt=0) | Q(periodic=True, registered=False)))
    return {"troubled": troubled}
