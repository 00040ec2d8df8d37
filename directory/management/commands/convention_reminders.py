import datetime

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from directory.reminders import send_reminders


class Command(BaseCommand):
    help = ("Envoie les rappels avant les échéances des conventions (préavis, fenêtre d'avenant du 1er septembre "
            "au 15 octobre, fin), une seule fois par échéance.")

    def add_arguments(self, parser):
        parser.add_argument("--now", help="Date du jour à simuler (AAAA-MM-JJ ; par défaut aujourd'hui).")
        parser.add_argument("--days", type=int, help="Nombre de jours avant l'échéance (par défaut : réglage CONVENTION_REMINDER_DAYS, 30).")

    def handle(self, *args, now=None, days=None, **options):
        try:
            day = datetime.date.fromisoformat(now) if now else timezone.localdate()
        except ValueError as exc:
            raise CommandError(f"--now : « {now} » n'est pas une date AAAA-MM-JJ.") from exc
        if days is not None and days < 0:
            raise CommandError("--days : nombre de jours positif attendu.")
        sent = send_reminders(day, days)
        for r in sent:
            self.stdout.write(f"{r.convention.reference} — {r.label} : {r.due_on:%d/%m/%Y} ({len(r.recipients)} destinataire(s))")
        self.stdout.write(f"{len(sent)} rappel(s) envoyé(s).")
