from pathlib import Path

from django.core.management.base import BaseCommand

from api.event_catalogue import apply, default_path


class Command(BaseCommand):
    help = "Rewrite the webhook event catalogue of docs/api.md (between its markers) from tickets/events.py."

    def add_arguments(self, parser):
        parser.add_argument("--output", default=str(default_path()))
        parser.add_argument("--check", action="store_true", help="Fail if the file is not up to date.")

    def handle(self, *args, output, check, **options):
        path = Path(output)
        current = path.read_text(encoding="utf-8")
        text = apply(current)
        if check:
            if text != current:
                raise SystemExit(f"{path} is out of date: run manage.py event_catalogue")
            self.stdout.write("up to date")
            return
        path.write_text(text, encoding="utf-8")
        self.stdout.write(f"wrote {path}")
