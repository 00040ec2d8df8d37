"""`run_huey` with the project's bookkeeping: the periodic tasks are recorded for the administrator
(and a periodic task that vanished from the registry is flagged) before the consumer starts."""

from huey.contrib.djhuey.management.commands.run_huey import Command as RunHuey

from helpdesk.worker import register_tasks


class Command(RunHuey):
    help = "Run the background worker (Huey consumer) after registering every app's tasks."

    def handle(self, *args, **options):
        register_tasks()
        super().handle(*args, **options)
