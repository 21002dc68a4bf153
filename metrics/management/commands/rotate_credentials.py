"""Re-encrypt every pull source's credential with the first key of AOP_CREDENTIAL_KEYS: the middle step
of changing the key (docs/connectors.md)."""

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from metrics import credentials
from metrics.models import PullSource


class Command(BaseCommand):
    help = "Re-encrypt every pull source's credential with the first key of AOP_CREDENTIAL_KEYS."

    def handle(self, *args, **options) -> None:
        unreadable, rotated = [], 0
        with transaction.atomic():  # all or none: a half-rotated set would need both keys for longer
            for source in PullSource.objects.select_for_update().exclude(secret="").order_by("pk"):
                try:
                    token = credentials.rotate(source.secret)
                except credentials.Unreadable:
                    unreadable.append(source.name)
                    continue
                # A plain UPDATE: the credential's text is unchanged, so no new version or history entry.
                PullSource.objects.filter(pk=source.pk).update(secret=token)
                rotated += 1
            if unreadable:
                transaction.set_rollback(True)
        if unreadable:
            raise CommandError(
                f"No configured key decrypts the credential of {', '.join(unreadable)}; nothing was "
                "re-encrypted. Put the old key back in AOP_CREDENTIAL_KEYS (after the new one) and run again."
            )
        self.stdout.write(f"{rotated} credential(s) re-encrypted with the first key.")
