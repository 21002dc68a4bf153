"""Every page fits a phone and axe-core finds nothing serious on it.

The demo company is seeded and crawled as the test client crawls it in test_crawl (same helpers): as
leader, ops, exec, viewer and seller, from the home page's links and every tab of every demo plan. Of the
HTML pages each role reaches, one instance of each URL pattern (for a plan's pages, one per plan state: a
draft shows forms, an approved plan tables) is opened in Chromium at 390 × 844, and so are the sign-in
page and the home page with the main and account menus open. Each must be no wider than the screen
(`document.documentElement.scrollWidth` ≤ 390), and axe-core (vendored in tests/browser/axe/, injected
with the page's CSP bypassed) must report no violation of serious or critical impact. A failure lists the
page, the rule and the element; a page too wide is screenshotted into test-artifacts/.
"""

import io
from pathlib import Path

import pytest
from django.core.management import call_command
from django.http import HttpResponseBase
from django.urls import Resolver404, resolve

from demo.management.commands.seed_demo import PASSWORD
from planning.models import Plan
from sellers.models import QuotaPublication
from tests.browser.conftest import ARTIFACTS
from tests.test_crawl import MAX_PAGES, Crawl, MissingVariables, _client, _plan_pages, _route

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("catalogues")]

ROLES = ["leader", "ops", "exec", "viewer", "seller"]
WIDTH, HEIGHT = 390, 844
AXE = Path(__file__).parent / "axe" / "axe.min.js"
# Each failing element as "rule id (impact) at selector: its HTML's start"; the node's own impact, since
# a rule's impact is only the worst of its nodes'.
RUN_AXE = """async () => {
  const result = await axe.run(document, { resultTypes: ["violations"] });
  return result.violations.flatMap(rule => rule.nodes
    .filter(node => node.impact === "serious" || node.impact === "critical")
    .map(node => `${rule.id} (${node.impact}) at ${node.target.flat().join(" ")}: ${node.html.slice(0, 99)}`)
  );
}"""


class PageCrawl(Crawl):
    """The crawl, keeping the first full HTML page (not an htmx fragment, not a file) of each route, and
    of a plan's routes one for each state of plan (its status, its quotas published or not). It opens one
    URL of each (route, plan state, fragment or not) that answers: test_crawl opens the rest, and this
    test wants one page of each kind."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.pages: dict[tuple[str, str], str] = {}
        # A plan's state as its pages show it: its status, and whether its quotas went to its sellers (a
        # published plan's Quotas tab lists them and links to each seller's receipt).
        published = set(QuotaPublication.objects.values_list("plan_id", flat=True))
        self.statuses = {
            pk: f"{status}{' · quotas published' if pk in published else ''}"
            for pk, status in Plan.objects.values_list("pk", "status")
        }
        self.kinds: set[tuple[str, str, bool]] = set()

    def run(self, limit: int = MAX_PAGES) -> None:
        while self.queue and self.opened < limit:
            url, referrer, offered, hx = self.queue.popleft()
            kind = (_route(url), self._status(url), hx)
            if kind not in self.kinds:
                response = self.open(url, referrer, offered, hx)
                if response is not None and response.status_code == 200:
                    self.kinds.add(kind)  # a 404 (a plan this role may not see) leaves the kind open

    def open(
        self, url: str, referrer: str, offered: bool, hx: bool = False, **headers: str
    ) -> HttpResponseBase | None:
        response = super().open(url, referrer, offered, hx, **headers)
        if not hx and _is_page(response):
            self.pages.setdefault((_route(url), self._status(url)), url)
        return response

    def _status(self, url: str) -> str:
        try:
            plan_id = resolve(url.split("?")[0]).kwargs.get("plan_id")
        except Resolver404:
            return ""
        return self.statuses.get(plan_id, "")


def _is_page(response: HttpResponseBase | None) -> bool:
    return (
        response is not None
        and response.status_code == 200
        and response.get("Content-Type", "").startswith("text/html")
        and not response.has_header("Content-Disposition")
    )


def _pages(role: str) -> list[str]:
    """One URL of each route among the pages this role reaches, as test_crawl crawls them."""
    client, user = _client(role)
    crawl = PageCrawl(client, MissingVariables())
    crawl.offer("/", referrer="(start)")
    crawl.run()
    _plan_pages(crawl, user)
    crawl.run(limit=crawl.opened + MAX_PAGES)
    assert not crawl.failures, crawl.failures  # test_crawl's business; a broken page here is no test
    return list(crawl.pages.values())


@pytest.fixture
def demo_pages() -> dict[str, list[str]]:
    call_command("seed_demo", stdout=io.StringIO())
    return {role: _pages(role) for role in ROLES}


def test_every_page_fits_a_phone_and_axe_finds_nothing_serious(browser, live_server, demo_pages, capsys):
    context = browser.new_context(viewport={"width": WIDTH, "height": HEIGHT}, bypass_csp=True)
    context.add_init_script(path=str(AXE))
    page = context.new_page()
    page.set_default_timeout(15_000)
    problems = _check(page, f"{live_server.url}/accounts/login/", "anonymous /accounts/login/")
    for role in ROLES:
        _sign_in(page, live_server.url, role)
        for summary in (".navmenu > summary", ".usermenu > summary"):  # each menu open, on the home page
            page.click(summary)
            problems += _check(page, None, f"{role} / with {summary.split()[0]} open")
            page.click(summary)
        for url in demo_pages[role]:
            problems += _check(page, f"{live_server.url}{url}", f"{role} {url}")
        page.context.clear_cookies()
    context.close()
    with capsys.disabled():
        counts = ", ".join(f"{len(urls)} as {role}" for role, urls in demo_pages.items())
        print(f"\nat {WIDTH} × {HEIGHT}: {counts}")
    assert not problems, f"{len(problems)} problems:\n" + "\n".join(problems)


def _sign_in(page, base: str, username: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_selector(".usermenu")


def _check(page, url: str | None, name: str) -> list[str]:
    """What is wrong with one page (or the one open) at a phone's width: its width, then axe-core's
    findings."""
    if url is not None:
        page.goto(url)
    problems = []
    width = page.evaluate("document.documentElement.scrollWidth")
    if width > WIDTH:
        ARTIFACTS.mkdir(exist_ok=True)
        shot = ARTIFACTS / f"phone-{name.replace('/', '_').replace(' ', '-')}.png"
        page.screenshot(path=str(shot), full_page=True)
        problems.append(f"{name}: {width} px wide on a {WIDTH} px screen (see {shot.name})")
    problems += [f"{name}: {finding}" for finding in page.evaluate(RUN_AXE)]
    return problems
