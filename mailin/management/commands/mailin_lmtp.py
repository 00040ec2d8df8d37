"""Receive the desks' mail over LMTP (or SMTP with --smtp) on a local port, until interrupted."""

import time

from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Récepteur LMTP (ou SMTP) des courriels adressés aux guichets."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8024)
        parser.add_argument("--smtp", action="store_true", help="SMTP au lieu de LMTP")

    def handle(self, *args, host, port, smtp, **options):
        from mailin.lmtp import controller

        server = controller(host, port, smtp=smtp)
        server.start()
        self.stdout.write(f"{'SMTP' if smtp else 'LMTP'} en écoute sur {host}:{port} (Ctrl-C pour arrêter)")
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            pass
        finally:
            server.stop()
