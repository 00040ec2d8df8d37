"""`manage.py seed_demo`: the quick start's demo data. A project command, not the directory's: it
builds on every app (the directory's world, then the tickets' and SLA's year of activity)."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from django.contrib.auth import get_user_model

from directory.demo import build_demo_world
from directory.models import School
from helpdesk.demo import seed_activity


class Command(BaseCommand):
    help = "Build the demo world (académies, écoles, conventions, guichets, one account per role) and a fictional year of history."

    def add_arguments(self, parser):
        parser.add_argument("--if-empty", action="store_true", help="Do nothing when the directory already holds schools.")
        parser.add_argument("--force", action="store_true", help="Run even in the production profile (never on a real deployment).")

    def handle(self, *args, if_empty, force, **options):
        if settings.PRODUCTION and not force:
            raise CommandError("seed_demo refuse de s'exécuter dans le profil de production (utilisez --force en connaissance de cause).")
        password = settings.HELPDESK["DEMO_PASSWORD"]
        if School.objects.exists():
            if if_empty:
                self.stdout.write("Données de démonstration déjà présentes.")
                self._print_logins(password)
                return
            raise CommandError("La base contient déjà des écoles : seed_demo ne s'applique qu'à une base vide.")
        with transaction.atomic():
            world = build_demo_world(password)
            seeded = seed_activity(world)
        conventions = len(world.conventions) + len(world.past_conventions)
        self.stdout.write(self.style.SUCCESS(
            f"Monde de démonstration créé : {len(world.schools)} écoles, {len(world.desks)} guichets, "
            f"{conventions} conventions ({len(world.conventions)} en vigueur), {seeded.tickets} demandes du jour ; "
            f"historique fictif de douze mois : {seeded.services} services, {seeded.outages} interruptions, "
            f"{seeded.history_tickets} demandes."
        ))
        self._print_logins(password)

    def _print_logins(self, password):
        # Every account the demo's apps created that can sign in (the IEN and the working group's
        # members come from evolutions' demo; API clients' service users have no password).
        usable = get_user_model().objects.exclude(password__startswith="!")  # nosec B106 - "!": an unusable password
        usernames = usable.order_by("pk").values_list("username", flat=True)
        self.stdout.write(f"Comptes de démonstration ({', '.join(usernames)}) — mot de passe : {password}")
