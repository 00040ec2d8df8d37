from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand

from tickets.diagram import mermaid


class Command(BaseCommand):
    help = "Write the ticket state diagram (Mermaid) generated from the workflow table into docs/ticket-states.md."

    def add_arguments(self, parser):
        parser.add_argument("--output", default=str(Path(settings.BASE_DIR) / "docs" / "ticket-states.md"))
        parser.add_argument("--check", action="store_true", help="Fail if the file is not up to date.")

    def handle(self, *args, output, check, **options):
        path = Path(output)
        text = mermaid()
        if check:
            if not path.exists() or path.read_text(encoding="utf-8") != text:
                raise SystemExit(f"{path} is out of date: run manage.py ticket_state_diagram")
            self.stdout.write("up to date")
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        self.stdout.write(f"wrote {path}")
