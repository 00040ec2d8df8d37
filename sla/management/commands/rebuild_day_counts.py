"""Recompute the dashboards' daily ticket counts from the tickets, or compare them (--check)."""

from django.core.management.base import BaseCommand, CommandError

from sla import rollup


class Command(BaseCommand):
    help = "Recalcule les comptes journaliers du tableau de bord à partir des demandes (--check : compare seulement)."

    def add_arguments(self, parser):
        parser.add_argument("--check", action="store_true", help="compare sans rien écrire ; erreur si les comptes diffèrent")

    def handle(self, *args, check=False, **options):
        if not check:
            rows = rollup.rebuild()
            self.stdout.write(f"{rows} comptes journaliers recalculés.")
            return
        expected, stored = rollup.compute(), rollup.stored()
        wrong = sorted(set(expected) | set(stored), key=str)
        wrong = [key for key in wrong if expected.get(key, 0) != stored.get(key, 0)]
        for key in wrong[:20]:
            self.stderr.write(f"{key}: attendu {expected.get(key, 0)}, enregistré {stored.get(key, 0)}")
        if wrong:
            raise CommandError(f"{len(wrong)} comptes journaliers diffèrent des demandes (relancer sans --check pour les recalculer).")
        self.stdout.write(f"{len(expected)} comptes journaliers conformes aux demandes.")
