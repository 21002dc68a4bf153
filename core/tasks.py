from celery import shared_task
from django.core.management import call_command


@shared_task(time_limit=5 * 60, soft_time_limit=4 * 60)
def clear_expired_sessions() -> None:
    """Remove expired sessions (scheduled nightly in aop/celery.py)."""
    call_command("clearsessions")
