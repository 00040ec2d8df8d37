"""Poll the desks' IMAP mailboxes once (what the worker does every minute)."""

from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Relève une fois les boîtes IMAP des guichets."

    def handle(self, *args, **options):
        from mailin.imap import poll_all, pollable

        if not pollable().exists():
            self.stdout.write("Aucune boîte IMAP configurée : rien à relever.")
            return
        self.stdout.write(str(poll_all()))
