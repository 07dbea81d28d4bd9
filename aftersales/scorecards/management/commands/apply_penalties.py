"""Apply the penalty policy to a month now: ``manage.py apply_penalties --month 2026-11``
(the month before this one when not given). Running it again changes nothing."""

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from aftersales.scorecards import policies
from aftersales.scorecards.services import penalties_apply


class Command(BaseCommand):
    help = "Apply the carrier penalty policy to one month (YYYY-MM, Asia/Shanghai)."

    def add_arguments(self, parser):
        parser.add_argument("--month", help="YYYY-MM; default: last month")

    def handle(self, *args, month=None, **options):
        now = timezone.now()
        target = policies.parse_month(month) if month else policies.previous_month(now)
        if target is None:
            raise CommandError(f"--month must be YYYY-MM, not {month!r}")
        result = penalties_apply(month=target, now=now)
        self.stdout.write(
            f"{result.month:%Y-%m}: {result.penalties_new} new penalties, "
            f"{result.revocations_new} priority revocations"
        )
