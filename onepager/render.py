"""Rendering the one-pager to PDF with WeasyPrint, and the cache that makes a download fast.

A cached PDF is served only under the fingerprint of everything it shows; any change makes a new one.
WeasyPrint follows references (images, stylesheets, fonts, CSS `url()`) only through `StaticOnlyFetcher`:
the app's own static files and `data:` URIs. Nothing in the sheet refers to anything else, and what users
typed is escaped; the fetcher is there so that one escaping slip cannot become a local file read or a
request from the server.
"""

import base64
import functools
import logging
import mimetypes
import time
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from urllib.parse import unquote, unquote_to_bytes, urljoin

from django.conf import settings
from django.contrib.staticfiles import finders
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string

from core import formatting, replica
from onepager import fit
from onepager.content import OnePage, build, fingerprint
from onepager.models import RenderedPage
from planning.models import Plan

SIZES = {"a4": "A4", "letter": "Letter"}
PDF_VARIANT = "pdf/ua-1"  # tagged: text extracts in reading order, with the title and language set
MEASURES = 3  # measure renders at most, before the final one
LAYOUT_SECONDS = 7 * 24 * 3600  # a chosen layout, for the preview, under the fingerprint it was made for
log = logging.getLogger("aop.security")
logger = logging.getLogger(__name__)


class RefusedFetch(ValueError):
    """A reference the PDF renderer does not follow."""


def base_url() -> str:
    """What relative references in the sheet are resolved against: the app's own address."""
    return f"{settings.AOP_BASE_URL}/"


def fetch_resource(url: str) -> tuple[bytes, str]:
    """(content, media type) of a `data:` URI or of one of the app's static files, named by its URL under
    STATIC_URL; anything else (file:, http: elsewhere, other paths of the app) is refused, unrequested."""
    if url[:5].lower() == "data:":
        return _data_uri(url[5:])
    static_prefix = urljoin(base_url(), settings.STATIC_URL)
    if url.startswith(static_prefix):
        return _static_file(url[len(static_prefix) :].split("?")[0].split("#")[0])
    raise RefusedFetch(f"not a static file of the app or a data: URI: {url[:200]}")


def _data_uri(rest: str) -> tuple[bytes, str]:
    header, comma, payload = rest.partition(",")
    if not comma:
        raise RefusedFetch("a data: URI without a comma")
    media_type = header.split(";")[0] or "text/plain"
    if header.lower().endswith(";base64"):
        return base64.b64decode(payload), media_type
    return unquote_to_bytes(payload), media_type


def _static_file(quoted: str) -> tuple[bytes, str]:
    name = unquote(quoted)
    parts = PurePosixPath(name).parts
    if not parts or name.startswith("/") or ".." in parts or "\\" in name or "\x00" in name:
        raise RefusedFetch(f"not a static file name: {quoted[:200]}")
    candidates = [Path(settings.STATIC_ROOT) / name, finders.find(name)]  # collected first (hashed names)
    for path in candidates:
        if path and Path(path).is_file():
            return Path(path).read_bytes(), mimetypes.guess_type(name)[0] or "application/octet-stream"
    raise RefusedFetch(f"no such static file: {quoted[:200]}")


@functools.cache
def _fetcher_class() -> type:
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class StaticOnlyFetcher(URLFetcher):
        """WeasyPrint's fetcher with its opening replaced by `fetch_resource`: it never opens a URL."""

        def fetch(self, url: str, headers: dict | None = None) -> URLFetcherResponse:
            try:
                content, media_type = fetch_resource(url)
            except RefusedFetch as refused:
                log.warning("pdf reference refused %s", refused)
                raise
            return URLFetcherResponse(url, content, {"Content-Type": media_type})

    return StaticOnlyFetcher


def url_fetcher():
    """A new fetcher for one render (WeasyPrint keeps per-request state on it)."""
    return _fetcher_class()(allow_redirects=False)


@dataclass
class Fitted:
    """The one-pager laid out for its page: the HTML, WeasyPrint's laid-out document, the layout."""

    html: str
    document: object
    layout: fit.Layout


def _sheet(page: OnePage, size: str, layout: fit.Layout, *, measure: bool = False) -> str:
    fit.apply(page, layout, measure=measure)
    context = {"page": page, "layout": layout, "measure": measure, **fit.page_box(size)}
    return render_to_string("onepager/pdf.html", context)


# WeasyPrint's user-agent stylesheet, cut to what the sheet's elements use. It lays the sheet out exactly as
# the full one does (tests/onepager/test_fit.py compares the two renders pixel for pixel) and spares the
# quarter of each render that matching its few hundred rules against every element costs.
SHEET_UA = """
head, style, title, meta, script, template { display: none }
html, body, div, section, header, footer, h1, h2, p { display: block }
table { display: table; border-spacing: 2px; border-collapse: separate; box-sizing: border-box }
table { text-indent: initial }
colgroup { display: table-column-group } col { display: table-column }
thead { display: table-header-group } tbody { display: table-row-group }
tr { display: table-row } td, th { display: table-cell; padding: 1px }
thead, tbody, tfoot, table > tr { vertical-align: middle } tr, td, th { vertical-align: inherit }
strong, th, h1, h2 { font-weight: bold } i { font-style: italic }
img, svg { overflow: hidden }
h1 { bookmark-level: 1 } h2 { bookmark-level: 2 }
h1, h2 { bookmark-label: content(text); hyphens: manual; break-after: avoid; break-inside: avoid }
"""


@functools.cache
def _sheet_html_class() -> type:
    from weasyprint import CSS, HTML  # importing WeasyPrint is slow; only the renderer pays for it

    stylesheet = CSS(string=SHEET_UA)

    class SheetHTML(HTML):
        def _ua_stylesheets(self, forms: bool = False) -> list:
            return [stylesheet]

    return SheetHTML


def _laid_out(text: str, *, full_ua: bool = False):
    if full_ua:
        from weasyprint import HTML

        return HTML(string=text, base_url=base_url(), url_fetcher=url_fetcher()).render()
    return _sheet_html_class()(string=text, base_url=base_url(), url_fetcher=url_fetcher()).render()


def _choose(page: OnePage, size: str) -> tuple[fit.Allocation, int]:
    """The fullest allocation at the largest size that shows everything, and how many measure renders
    it took (at most MEASURES, starting from the estimate; a size is measured only when the last
    measure predicts that it may be the better one, and again with more rows when a section with room
    left used every row measured)."""
    tried: dict[float, fit.Allocation] = {}
    font, crowded = fit.first_level(page, size)
    caps, renders = fit.first_caps(page), 0

    def at(font: float, only: set | None = None) -> fit.Allocation:
        """Measure at `font` (`only` some sections' rows, into the last measure at that size)."""
        nonlocal renders
        probe_caps = {k: (n if only is None or k in only else 0) for k, n in caps.items()}
        probe = fit.measure_layout(size, font, probe_caps, details=not crowded)
        found = fit.read(_laid_out(_sheet(page, size, probe, measure=True)), size, font, dict(caps))
        if only:
            found = fit.merge(tried[font].found, found, only)
        renders += 1
        tried[font] = fit.best(page, found)
        return tried[font]

    chosen = at(font)
    while renders < MEASURES:
        if more := {
            k: min(caps[k] + fit.CAP, fit.CAP_MOST) for k in chosen.short_of_rows() if caps[k] < fit.CAP_MOST
        }:
            caps |= more
            chosen = at(font, only=set(more))
        elif chosen.everything():
            bigger = fit.next_level(font, 0, 0, up=True)
            if bigger is None or bigger in tried or not chosen.may_fit(bigger):
                break
            candidate = at(bigger)
            if not candidate.everything():
                break  # the size measured before is the largest that shows everything
            chosen, font = candidate, bigger
        else:
            smaller = fit.next_level(font, chosen.need(), chosen.found.available)
            if smaller is None or smaller in tried:
                break
            chosen, font = at(smaller), smaller
    return chosen, renders


def fitted(plan: Plan, size: str = "a4") -> Fitted:
    """Choose what goes on the page and at what size (onepager.fit), and lay it out: the largest font
    that shows everything, else the smallest with the items that earn their place; checked to be one
    page with nothing outside the page box. The layout is kept for the preview."""
    # One PDF for every reader (it is cached and shared): in the default locale, not the downloader's.
    with formatting.use_locale(formatting.DEFAULT_LOCALE):
        result = _fit(plan, build(plan), size)
    cache.set(_layout_key(plan, size), result.layout, LAYOUT_SECONDS)
    return result


def _fit(plan: Plan, page: OnePage, size: str) -> Fitted:
    chosen, renders = _choose(page, size)
    while True:
        layout = chosen.layout(size)
        text = _sheet(page, size, layout)
        document = _laid_out(text)
        renders += 1
        down, across = fit.overflows(document)
        if across > 0.5:
            logger.warning("one-pager of plan %s runs %.1f px past the page's right edge", plan.pk, across)
        if down <= 0 or renders >= MEASURES + 4 or not chosen.back_off():
            break
    layout.renders = renders
    return Fitted(text, document, layout)


def _layout_key(plan: Plan, size: str) -> str:
    made = plan.created_at.timestamp() if plan.created_at else 0  # a pk can come back (tests, restores)
    return f"aop:onepager-layout:{plan.pk}:{made}:{size}:{fingerprint(plan)}"


def preview(plan: Plan, size: str = "a4") -> OnePage:
    """The page as the PDF lays it out, for the browser: the layout the last render chose (fitted now
    when there is none for what the page shows)."""
    key = _layout_key(plan, size)
    with formatting.use_locale(formatting.DEFAULT_LOCALE):
        page = build(plan)
        layout = cache.get(key)
        if layout is None or layout.counts != fit.counts(page):  # none yet, or made for other content
            layout = _fit(plan, page, size).layout
            cache.set(key, layout, LAYOUT_SECONDS)
        page.layout = layout
        return fit.apply(page, layout)


def html(plan: Plan, size: str = "a4") -> str:
    """The one-pager's HTML as laid out for the page (A4 or Letter)."""
    return fitted(plan, size).html


def pdf_bytes(plan: Plan, size: str = "a4") -> bytes:
    """The one-pager as a tagged PDF (PDF/UA-1: title, language, structure), one page."""
    return fitted(plan, size).document.write_pdf(pdf_variant=PDF_VARIANT)


def cached(plan: Plan, size: str = "a4") -> RenderedPage | None:
    return RenderedPage.objects.filter(plan=plan, size=size, fingerprint=fingerprint(plan)).first()


def render(plan: Plan, size: str = "a4") -> RenderedPage:
    """The current PDF of the plan: from the cache when it is still current, else rendered now and kept
    (older renders of that plan and size are dropped). The fingerprint and the page read the same data,
    on the read replica when there is one (core.replica); the cache's rows stay on the primary."""
    with replica.reporting():
        key = fingerprint(plan)
    page = RenderedPage.objects.filter(plan=plan, size=size, fingerprint=key).first()
    if page is not None:
        return page
    started = time.perf_counter()
    with replica.reporting():
        body = pdf_bytes(plan, size)
    try:
        with transaction.atomic():
            page = RenderedPage.objects.create(
                plan=plan, size=size, fingerprint=key, revision=plan.revision, pdf=body,
                seconds=time.perf_counter() - started,
            )  # fmt: skip
    except IntegrityError:  # rendered by someone else meanwhile
        return RenderedPage.objects.get(plan=plan, size=size, fingerprint=key)
    RenderedPage.objects.filter(plan=plan, size=size).exclude(pk=page.pk).delete()
    return page
