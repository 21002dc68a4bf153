import os

import pytest

# Playwright's sync API keeps an event loop running in the test thread; the ORM calls the tests make
# between browser steps are plain synchronous calls all the same.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    """Keep each phase's report on the test item, so fixtures can screenshot a failed journey."""
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report
