"""The PDF renderer follows no reference to a local file or to another server, whatever users typed:
their text is escaped, and WeasyPrint's fetcher serves only the app's static files and data: URIs."""

import base64
import socket
import subprocess
import urllib.request

import pytest

from metrics.models import KPI, KPITarget
from onepager import render
from planning.models import Initiative, LongTermGoal, Objective, Plan, Risk

PAYLOADS = [
    '<img src="file:///etc/passwd">',
    '<img src="http://127.0.0.1:9/x.png">',
    '<link rel="stylesheet" href="https://example.com/x.css">',
    "<style>body { background: url(file:///etc/hosts) }</style>",
    "<svg><image href='file:///etc/shadow'/></svg>",
    "url(file:///etc/hosts)",
    "@import url(http://127.0.0.1:9/a.css);",
]


@pytest.fixture
def spies(monkeypatch):
    """Every URL given to the app's fetcher, and every URL or socket anything tried to open."""
    seen = {"fetched": [], "opened": [], "connected": []}
    fetch = render.fetch_resource

    def recording_fetch(url):
        seen["fetched"].append(url)
        return fetch(url)

    def refuse_open(self, url, *args, **kwargs):
        seen["opened"].append(getattr(url, "full_url", url))
        raise OSError("opening URLs is not allowed here")

    def refuse_connect(self, address):
        seen["connected"].append(address)
        raise OSError("network is not allowed here")

    monkeypatch.setattr(render, "fetch_resource", recording_fetch)
    monkeypatch.setattr(urllib.request.OpenerDirector, "open", refuse_open)
    monkeypatch.setattr(socket.socket, "connect", refuse_connect)
    return seen


def pdf_text(data: bytes, tmp_path) -> str:
    path = tmp_path / "page.pdf"
    path.write_bytes(data)
    return subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout


def test_references_typed_into_any_text_field_are_shown_as_text_and_never_fetched(
    plan, people, spies, tmp_path
):
    Plan.objects.filter(pk=plan.pk).update(summary=" ".join(PAYLOADS))
    goal = LongTermGoal.objects.create(
        org_unit=plan.org_unit,
        title=PAYLOADS[0],
        start_year=plan.fiscal_year,
        end_year=plan.fiscal_year + 4,
        milestones={str(plan.fiscal_year): PAYLOADS[3]},
    )
    for n, payload in enumerate(PAYLOADS):
        Objective.objects.create(plan=plan, title=payload, long_term_goal=goal if n == 0 else None)
        Initiative.objects.create(plan=plan, title=payload, owner=PAYLOADS[-1 - n])
        Risk.objects.create(plan=plan, title=payload, mitigation=PAYLOADS[-1 - n])
    kpi = KPI.objects.create(code="evil", name="<img src=x>", unit="count")
    KPITarget.objects.create(kpi=kpi, org_unit=plan.org_unit, fiscal_year=plan.fiscal_year, period=1, value=1)

    sheet = render.html(plan)
    assert "&lt;img src=&quot;file:///etc/passwd&quot;&gt;" in sheet  # escaped in the HTML…
    assert '<img src="file:///etc/passwd">' not in sheet and "<img src=x>" not in sheet
    text = pdf_text(render.pdf_bytes(plan), tmp_path)
    assert '<img src="file:///etc/passwd">' in text and "url(file:///etc/hosts)" in text  # …read as text
    assert spies == {"fetched": [], "opened": [], "connected": []}


def test_the_fetcher_serves_static_files_and_data_uris_and_refuses_the_rest_unopened(spies, settings):
    from weasyprint import HTML

    settings.AOP_BASE_URL = "https://aop.example.com"
    png = base64.b64encode(b"\x89PNG\r\n\x1a\n").decode()
    page = f"""<link rel="stylesheet" href="http://127.0.0.1:9/x.css">
    <style>@import url(file:///etc/hosts); body {{ background: url(file:///etc/passwd) }}</style>
    <img src="file:///etc/passwd"><img src="http://127.0.0.1:9/x.png"><img src="https://example.com/x.png">
    <img src="/admin/"><img src="/static/aop/%2e%2e/%2e%2e/aop/settings.py"><img src="ftp://example.com/x">
    <img src="/static/aop/favicon.svg"><img src="data:image/png;base64,{png}">"""
    HTML(string=page, base_url=render.base_url(), url_fetcher=render.url_fetcher()).write_pdf()

    served = {"https://aop.example.com/static/aop/favicon.svg", f"data:image/png;base64,{png}"}
    assert served <= set(spies["fetched"])
    assert render.fetch_resource("https://aop.example.com/static/aop/favicon.svg")[1] == "image/svg+xml"
    refused = set(spies["fetched"]) - served
    assert refused == {
        "http://127.0.0.1:9/x.css",
        "file:///etc/hosts",
        "file:///etc/passwd",
        "http://127.0.0.1:9/x.png",
        "https://example.com/x.png",
        "https://aop.example.com/admin/",
        "https://aop.example.com/static/aop/%2e%2e/%2e%2e/aop/settings.py",
        "ftp://example.com/x",
    }
    for url in refused:
        with pytest.raises(render.RefusedFetch):
            render.fetch_resource(url)
    assert spies["opened"] == [] and spies["connected"] == []  # nothing was requested
