"""Rendering the one-pager to PDF with WeasyPrint, and the cache that makes a download fast.

A cached PDF is served only under the fingerprint of everything it shows; any change makes a new one.
"""

import time

from django.db import IntegrityError, transaction
from django.template.loader import render_to_string

from onepager.content import build, fingerprint
from onepager.models import RenderedPage
from planning.models import Plan

SIZES = {"a4": "A4", "letter": "Letter"}


def html(plan: Plan, size: str = "a4", *, base_url: str = "") -> str:
    return render_to_string("onepager/pdf.html", {"page": build(plan), "size": SIZES[size]})


def pdf_bytes(plan: Plan, size: str = "a4") -> bytes:
    from weasyprint import HTML  # importing WeasyPrint is slow; only the renderer pays for it

    return HTML(string=html(plan, size)).write_pdf()


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
