"""Apply the charter's tacit approvals now, or as of `--now` (an ISO instant: tests and journeys)."""

from datetime import datetime

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from charter.services import apply_tacit_approvals


class Command(BaseCommand):
    help = "Accords tacites de la charte de communication dont le délai en jours ouvrables est écoulé."

    def add_arguments(self, parser):
        parser.add_argument("--now", help="instant de référence, ISO 8601 (par défaut : maintenant)")

    def handle(self, *args, now=None, **options):
        at = timezone.now()
        if now:
            try:
                at = datetime.fromisoformat(now)
            except ValueError:
                raise CommandError(f"--now : {now!r} n'est pas un instant ISO 8601") from None
            if timezone.is_naive(at):
                at = timezone.make_aware(at)
        done = apply_tacit_approvals(at)
        self.stdout.write(f"{done} communication(s) approuvée(s) tacitement")
