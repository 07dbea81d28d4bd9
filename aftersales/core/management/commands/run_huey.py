from django.core.management.base import BaseCommand
from huey.consumer import Consumer


class Command(BaseCommand):
    help = "Run the huey consumer that carries out background tasks and periodic jobs."

    def add_arguments(self, parser):
        parser.add_argument("--workers", type=int, default=2)
        parser.add_argument("--quiet", action="store_true")

    def handle(self, *args, workers: int, quiet: bool, **options):
        import logging

        import aftersales.core.schedule  # noqa: F401 - registers the periodic jobs
        from aftersales.core.huey_app import huey

        logging.getLogger("huey").setLevel(logging.WARNING if quiet else logging.INFO)
        Consumer(huey, workers=workers, worker_type="thread").run()
