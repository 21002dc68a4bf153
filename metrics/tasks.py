from celery import shared_task


@shared_task(time_limit=30 * 60, acks_late=True)
def run_import(batch_id: int) -> str:
    """Validate and load an uploaded file of actuals (large uploads run here, off the web process)."""
    from metrics.importer import run

    return run(batch_id).status
