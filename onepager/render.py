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
from pathlib import Path, PurePosixPath
from urllib.parse import unquote, unquote_to_bytes, urljoin

from django.conf import settings
from django.contrib.staticfiles import finders
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string

from core import formatting
from onepager.content import build, fingerprint
from onepager.models import RenderedPage
from planning.models import Plan

SIZES = {"a4": "A4", "letter": "Letter"}
log = logging.getLogger("aop.security")


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


def html(plan: Plan, size: str = "a4") -> str:
    # One PDF for every reader (it is cached and shared): in the default locale, not the downloader's.
    with formatting.use_locale(formatting.DEFAULT_LOCALE):
        return render_to_string("onepager/pdf.html", {"page": build(plan), "size": SIZES[size]})


def pdf_bytes(plan: Plan, size: str = "a4") -> bytes:
    from weasyprint import HTML  # importing WeasyPrint is slow; only the renderer pays for it

    return HTML(string=html(plan, size), base_url=base_url(), url_fetcher=url_fetcher()).write_pdf()


def cached(plan: Plan, size: str = "a4") -> RenderedPage | None:
    return RenderedPage.objects.filter(plan=plan, size=size, fingerprint=fingerprint(plan)).first()


def render(plan: Plan, size: str = "a4") -> RenderedPage:
    """The current PDF of the plan: from the cache when it is still current, else rendered now and kept
    (older renders of that plan and size are dropped)."""
    key = fingerprint(plan)
    page = RenderedPage.objects.filter(plan=plan, size=size, fingerprint=key).first()
    if page is not None:
        return page
    started = time.perf_counter()
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
