"""A Celery worker whose loads of actuals stop inside their transaction once the rows are written, so a
test can kill it there (tests/metrics/test_jobs.py). It touches the file named by AOP_TEST_LOADED_MARK
when the rows are written, then sleeps.

    python -m tests.metrics.slow_worker [--pool=prefork]
"""

import os
import sys
import time
from pathlib import Path

from celery.signals import worker_init

from aop.celery import app


@worker_init.connect
def slow_loads(**kwargs) -> None:
    import django

    django.setup()
    from metrics import importer

    real = importer.load

    def load(*args, **kw) -> int:
        changed = real(*args, **kw)
        Path(os.environ["AOP_TEST_LOADED_MARK"]).write_text(str(changed))
        time.sleep(300)  # killed long before
        return changed

    importer.load = load


if __name__ == "__main__":
    pool = sys.argv[1:] or ["--pool=solo"]  # time limits need --pool=prefork
    app.worker_main(
        ["worker", *pool, "--concurrency=1",
         "--queues=celery,imports,reports", "--without-gossip", "--without-mingle",
         "--without-heartbeat", "--loglevel=WARNING"]
    )  # fmt: skip
