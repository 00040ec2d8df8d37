"""Start the ASGI server (HTTP + websockets) and, in the embedded profile, the Huey consumer."""

from django.conf import settings
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Serve the helpdesk with daphne (HTTP + websockets) and the embedded background worker."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--no-worker", action="store_true", help="Do not start the embedded Huey consumer.")

    def handle(self, *args, host, port, no_worker, **options):
        from daphne.cli import CommandLineInterface

        from helpdesk.http_limits import install

        install()  # bodies over the caps are refused before they are read

        consumer = None
        if settings.HUEY_EMBEDDED_CONSUMER and not no_worker:
            from helpdesk.worker import start_embedded_consumer

            consumer = start_embedded_consumer()
        self.stdout.write(f"Assistance ENT : http://{host}:{port}/")
        try:
            CommandLineInterface().run(["-b", host, "-p", str(port), "helpdesk.asgi:application"])
        finally:
            if consumer is not None:
                consumer.stop(graceful=True)
