"""Every page a demo user can reach answers: no server error, no offered link that is missing, no
template variable that does not resolve.

The demo company is seeded once for the module. As each demo role (a seller among them), a user without
roles and an anonymous visitor, the crawler follows every same-origin link (`<a href>`, `hx-get`) from the
home page breadth first, opens every tab of every demo plan and every review quarter, and reads every API list
and the first object's detail (and the detail's GET actions) the role may read.
"""

import inspect
import io
import traceback
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit, urlunsplit

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import transaction
from django.http import HttpResponseBase
from django.template.base import Node
from django.test import Client
from django.urls import NoReverseMatch, Resolver404, resolve, reverse

from planning.models import Plan, PlanRevision
from tests.conftest import restore_catalogues

ROLES = ["leader", "ops", "exec", "viewer", "seller", "no-role", "anonymous"]
MAX_PAGES = 600  # per role
# Files are fetched, not parsed. A one-page PDF takes WeasyPrint about a second, so each kind of file
# (a route: one-pager PDF, grid XLSX, …) is fetched for the first few plans that offer it.
DOWNLOADS_PER_ROUTE = 2
SKIP_PREFIXES = ("/admin/", "/static/", "/media/", "/accounts/logout/")
PLAN_TABS = [
    "/plans/{id}/",
    "/plans/{id}/alignment/",
    "/plans/{id}/targets/",
    "/plans/{id}/capabilities/",
    "/plans/{id}/budget/",
    "/plans/{id}/metrics/",
    "/plans/{id}/one-pager/",
    "/plans/{id}/history/",
    *(f"/plans/{{id}}/metrics/review/?q={q}" for q in (1, 2, 3, 4)),
]


class MissingVariables(str):
    """`string_if_invalid`: Django renders `string_if_invalid % name` for a variable that does not
    resolve; this records the name (and the template it is in) and renders nothing."""

    def __new__(cls) -> "MissingVariables":
        instance = super().__new__(cls, "%s")
        instance.found = []
        return instance

    def __mod__(self, other: object) -> str:
        self.found.append((_template_name(), str(other)))
        return ""


def _template_name() -> str:
    """The template (and line) of the innermost node being rendered, read from the call stack."""
    frame = inspect.currentframe()
    while frame is not None:
        node = frame.f_locals.get("self")
        origin = getattr(node, "origin", None)
        if isinstance(node, Node) and origin is not None:
            token = getattr(node, "token", None)
            line = f":{token.lineno}" if token is not None else ""
            return f"{origin.template_name or origin.name}{line}"
        frame = frame.f_back
    return "?"


class Links(HTMLParser):
    """The targets of `<a href>` and of any element's `hx-get`."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[tuple[str, bool]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if value and ((tag == "a" and name == "href") or name == "hx-get"):
                self.found.append((value, name == "hx-get"))


@dataclass
class Crawl:
    client: Client
    missing: MissingVariables
    failures: list[str] = field(default_factory=list)
    seen: set[tuple[str, bool]] = field(default_factory=set)
    queue: deque = field(default_factory=deque)
    opened: int = 0
    downloads: dict[str, int] = field(default_factory=dict)
    unresolved: dict[tuple[str, str], list[str]] = field(default_factory=dict)

    def offer(self, url: str, *, referrer: str, offered: bool = True, hx: bool = False) -> None:
        """Queue a URL once; `offered` when a page linked to it (then a 404 is a broken link)."""
        normal = _normalise(url, referrer)
        if normal is not None and (normal, hx) not in self.seen:
            self.seen.add((normal, hx))
            self.queue.append((normal, referrer, offered, hx))

    def run(self, limit: int = MAX_PAGES) -> None:
        while self.queue and self.opened < limit:
            url, referrer, offered, hx = self.queue.popleft()
            route = _route(url)
            if self.downloads.get(route, 0) >= DOWNLOADS_PER_ROUTE:
                continue  # a file (PDF, XLSX, CSV) of this kind already fetched for a few plans
            response = self.open(url, referrer, offered, hx)
            if response is not None and (
                response.has_header("Content-Disposition")
                or not response.get("Content-Type", "text/html").startswith("text/html")
            ):
                self.downloads[route] = self.downloads.get(route, 0) + 1

    def open(
        self, url: str, referrer: str, offered: bool, hx: bool = False, **headers: str
    ) -> HttpResponseBase | None:
        self.opened += 1
        before = len(self.missing.found)
        if hx:
            headers["HTTP_HX_REQUEST"] = "true"
        try:
            response = self.client.get(url, **headers)
        except Exception as error:  # the test client re-raises what the view raised
            self.failures.append(f"{url} (from {referrer}) raised {error!r} at {_where(error)}")
            return None
        where = f"{url} (from {referrer})"
        if response.status_code >= 500:
            self.failures.append(f"{where} answered {response.status_code}")
        elif offered and response.status_code in (404, 405):
            self.failures.append(f"{where}: the page offers this link; it answered {response.status_code}")
        for template, name in dict.fromkeys(self.missing.found[before:]):
            self.unresolved.setdefault((template, name), []).append(url)
        if response.status_code in (301, 302, 303, 307, 308):
            self.offer(response["Location"], referrer=url)
        elif response.status_code == 200 and response.get("Content-Type", "").startswith("text/html"):
            parser = Links()
            parser.feed(response.content.decode())
            for link, is_hx in parser.found:
                self.offer(link, referrer=url, hx=is_hx)
        return response


def _where(error: Exception) -> str:
    """The innermost frame of the project's own code in the traceback: file, line and function."""
    frames = traceback.extract_tb(error.__traceback__)
    ours = [f for f in frames if "site-packages" not in f.filename] or frames
    return f"{ours[-1].filename}:{ours[-1].lineno} in {ours[-1].name}"


def _route(url: str) -> str:
    try:
        return resolve(urlsplit(url).path).route
    except Resolver404:
        return url


def _normalise(url: str, base: str) -> str | None:
    """A same-origin path with its query, without the #anchor; None for what the crawler skips."""
    if url.startswith(("mailto:", "tel:", "javascript:", "data:")) or "{{" in url:
        return None
    parts = urlsplit(urljoin(f"http://testserver{base if base.startswith('/') else '/'}", url))
    if parts.scheme not in ("http", "https") or parts.netloc != "testserver":
        return None
    if parts.path.startswith(SKIP_PREFIXES):
        return None
    return urlunsplit(("", "", parts.path, parts.query, ""))


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker) -> Iterator[None]:
    """The demo company (and a signed-up user without roles), once for the module, rolled back after."""
    with django_db_blocker.unblock(), transaction.atomic():
        restore_catalogues()  # a transactional test before this one may have flushed them
        call_command("seed_demo", stdout=io.StringIO())
        get_user_model().objects.create_user("no-role", "no-role@northwind.example", "aop-demo-2026")
        yield
        transaction.set_rollback(True)


@pytest.fixture
def missing(settings) -> MissingVariables:
    recorder = MissingVariables()
    templates = [dict(engine, OPTIONS=dict(engine.get("OPTIONS", {}))) for engine in settings.TEMPLATES]
    templates[0]["OPTIONS"]["string_if_invalid"] = recorder
    settings.TEMPLATES = templates
    return recorder


def _client(role: str) -> tuple[Client, object]:
    client = Client()
    if role == "anonymous":
        return client, None
    user = get_user_model().objects.get(username=role)
    client.force_login(user)
    return client, user


def _plan_pages(crawl: Crawl, user) -> None:
    """Every tab and review quarter of every demo plan: offered when the role may see the plan."""
    visible = set(Plan.objects.visible_to(user).values_list("pk", flat=True)) if user else set()
    for plan_id in Plan.objects.order_by("pk").values_list("pk", flat=True):
        for tab in PLAN_TABS:
            crawl.offer(tab.format(id=plan_id), referrer="(plan tabs)", offered=plan_id in visible)
    for plan_id, number in PlanRevision.objects.values_list("plan_id", "number"):
        crawl.offer(
            f"/plans/{plan_id}/revisions/{number}/", referrer="(revisions)", offered=plan_id in visible
        )


def _api_pages(crawl: Crawl) -> None:
    """Every router list, the first object's detail, and the detail's GET actions; then the API's
    other read-only views. Made-up URLs: a 404 there is the permission module at work."""
    from aop.urls import router

    for prefix, viewset, basename in router.registry:
        response = crawl.open(f"/api/{prefix}/", "(API)", offered=False, HTTP_ACCEPT="application/json")
        first = _first_id(response)
        if first is None:
            continue
        try:
            detail = reverse(f"{basename}-detail", args=[first])
        except NoReverseMatch:  # a list-only endpoint
            continue
        crawl.open(detail, "(API)", False, HTTP_ACCEPT="application/json")
        for action in viewset.get_extra_actions():
            if "get" not in action.mapping:
                continue
            try:
                url = reverse(f"{basename}-{action.url_name}", args=[first] if action.detail else [])
            except NoReverseMatch:
                continue
            crawl.open(url, "(API)", False, HTTP_ACCEPT="application/json")
    for name in (
        "fiscal-calendar",
        "planning-settings",
        "capability-gaps",
        "kpi-readiness",
        "kpi-attainment",
    ):
        crawl.open(reverse(name), "(API)", False, HTTP_ACCEPT="application/json")


def _first_id(response) -> object:
    if response is None or response.status_code != 200:
        return None
    body = response.json()
    rows = body.get("results", body) if isinstance(body, dict) else body
    if isinstance(rows, list) and rows and isinstance(rows[0], dict):
        return rows[0].get("id")
    return None


@pytest.mark.parametrize("role", ROLES)
def test_every_page_a_role_can_reach_answers_without_errors(role, demo, db, missing, capsys):
    client, user = _client(role)
    crawl = Crawl(client, missing)
    crawl.offer("/", referrer="(start)")
    crawl.run()
    from_links = crawl.opened
    _plan_pages(crawl, user)
    crawl.run(limit=crawl.opened + MAX_PAGES)
    plans = crawl.opened - from_links
    _api_pages(crawl)
    api = crawl.opened - from_links - plans
    capped = " (cap reached)" if crawl.queue else ""
    with capsys.disabled():
        print(
            f"\ncrawl as {role}: {crawl.opened} pages opened{capped}: {from_links} from the home page's "
            f"links, {plans} more from every plan's tabs and revisions, {api} API"
        )
    crawl.failures += [
        f"{{{{ {name} }}}} does not resolve in {template}, on {len(urls)} page(s), e.g. {urls[0]}"
        for (template, name), urls in crawl.unresolved.items()
    ]
    assert not crawl.failures, f"{len(crawl.failures)} problems as {role}:\n" + "\n".join(crawl.failures)
