"""Building a quarter's review pack and keeping it: a built PDF or deck is served while the fingerprint of
everything it shows is current (onepager.pack.fingerprint), like the one-pager. The review page asks for a
build in the background (a PackBuild it follows); a download of a pack not built yet builds it at once."""

import logging
import time
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone

from core import queue, replica
from onepager import pack, pack_pdf, pack_pptx
from onepager.models import PackBuild, RenderedPack
from planning.models import Plan

logger = logging.getLogger(__name__)

SIZES = {"a4": "A4", "letter": "Letter"}
MEDIA_TYPES = {
    "pdf": "application/pdf",
    "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
}
LIMIT = 5 * 60  # the task's hard time limit; a build pending longer than this has stopped
KEEP_BUILDS = 10  # the latest builds of a plan's quarter kept; the page shows the latest


def _size(kind: str, size: str) -> str:
    """The deck is 16:9 whatever the paper: one deck serves both sizes."""
    return size if kind == RenderedPack.Kind.PDF else ""


def cached(plan: Plan, quarter: int, kind: str, size: str = "a4", *, key: str | None = None):
    """The built pack while it is current (without its file), else None."""
    key = key or pack.fingerprint(plan, quarter)
    found = RenderedPack.objects.filter(plan=plan, quarter=quarter, kind=kind, size=_size(kind, size))
    return found.filter(fingerprint=key).defer("body").first()


def current(plan: Plan, quarter: int) -> dict[str, RenderedPack | None]:
    """What may be downloaded now without a build: the PDF in each size and the deck."""
    key = pack.fingerprint(plan, quarter)
    rows = RenderedPack.objects.filter(plan=plan, quarter=quarter, fingerprint=key).defer("body")
    found = {(r.kind, r.size): r for r in rows}
    return {
        "a4": found.get(("pdf", "a4")),
        "letter": found.get(("pdf", "letter")),
        "pptx": found.get(("pptx", "")),
    }


def render(plan: Plan, quarter: int, kind: str, size: str = "a4") -> RenderedPack:
    """The current pack: from the cache, else built now and kept (older builds of it are dropped)."""
    return render_all(plan, quarter, [kind], size)[kind]


def render_all(plan: Plan, quarter: int, kinds: list[str], size: str = "a4") -> dict[str, RenderedPack]:
    """The current packs of `kinds`, building what the cache lacks from one read of the pack's content."""
    with replica.reporting():
        key = pack.fingerprint(plan, quarter)
    done = {kind: found for kind in kinds if (found := _stored(plan, quarter, kind, size, key))}
    content = None
    for kind in [k for k in kinds if k not in done]:
        started = time.perf_counter()
        with replica.reporting():  # the pack's content; the cache's rows stay on the primary
            content = content or pack.build(plan, quarter)
            body, pages = pack_pdf.pdf(content, size) if kind == "pdf" else pack_pptx.deck(content)
        done[kind] = _keep(plan, quarter, kind, size, key, body, pages, time.perf_counter() - started)
    return done


def _stored(plan: Plan, quarter: int, kind: str, size: str, key: str) -> RenderedPack | None:
    found = RenderedPack.objects.filter(plan=plan, quarter=quarter, kind=kind, size=_size(kind, size))
    return found.filter(fingerprint=key).first()


def _keep(plan, quarter, kind, size, key, body: bytes, pages: int, seconds: float) -> RenderedPack:
    fields = {"plan": plan, "quarter": quarter, "kind": kind, "size": _size(kind, size), "fingerprint": key}
    try:
        with transaction.atomic():
            built = RenderedPack.objects.create(
                **fields, revision=plan.revision, body=body, pages=pages, seconds=seconds
            )
    except IntegrityError:  # built by someone else meanwhile
        return RenderedPack.objects.get(**fields)
    stale = {k: v for k, v in fields.items() if k != "fingerprint"}
    RenderedPack.objects.filter(**stale).exclude(pk=built.pk).delete()
    return built


# --- Builds in the background -------------------------------------------------------------------------


def latest_build(plan: Plan, quarter: int) -> PackBuild | None:
    return PackBuild.objects.filter(plan=plan, quarter=quarter).first()


def is_pending(build: PackBuild | None) -> bool:
    """Queued or building, and not past the time a worker may take (after that it has stopped, and a new
    build may be asked for)."""
    if build is None or build.status not in (PackBuild.Status.QUEUED, PackBuild.Status.RUNNING):
        return False
    return build.created_at >= timezone.now() - timedelta(seconds=LIMIT + 60)


def pack_build_request(*, plan: Plan, quarter: int, size: str, actor) -> PackBuild:
    """Record a build of the quarter's pack (the PDF in `size` and the deck) and queue it once the current
    transaction commits. A pending build is returned instead of a second one; a build the queue refuses
    ends failed with queue.QUEUE_DOWN (and outside a transaction QueueUnavailable is raised)."""
    from onepager.tasks import build_pack

    pending = latest_build(plan, quarter)
    if is_pending(pending) and pending.size == size:
        return pending
    build = PackBuild.objects.create(plan=plan, quarter=quarter, size=size, requested_by=actor)
    builds = PackBuild.objects.filter(plan=plan, quarter=quarter)
    builds.exclude(pk__in=list(builds.values_list("pk", flat=True)[:KEEP_BUILDS])).delete()
    queue.send(build_pack, build.pk, refused=lambda: _end(build, PackBuild.Status.FAILED, queue.QUEUE_DOWN))
    return build


def pack_build_run(build_id: int) -> str:
    """The task's work: build what the cache lacks and record how it went. Safe to run twice: a build that
    ended is left as it is, and the cache makes a second run cheap."""
    build = PackBuild.objects.select_related("plan__org_unit").filter(pk=build_id).first()
    if build is None or build.status in (PackBuild.Status.DONE, PackBuild.Status.FAILED):
        return build.status if build else ""
    PackBuild.objects.filter(pk=build.pk).update(status=PackBuild.Status.RUNNING, started_at=timezone.now())
    started = time.perf_counter()
    try:
        built = render_all(build.plan, build.quarter, ["pdf", "pptx"], build.size)
    except Exception as exc:  # whatever it is, the build must not stay running
        logger.exception("Pack build %s failed", build.pk)
        return _end(build, PackBuild.Status.FAILED, f"The build stopped: {type(exc).__name__}: {exc}")
    message = (
        f"{built['pdf'].pages} pages and {built['pptx'].pages} slides "
        f"in {time.perf_counter() - started:.1f} s."
    )
    return _end(build, PackBuild.Status.DONE, message)


def _end(build: PackBuild, status: str, message: str) -> str:
    PackBuild.objects.filter(pk=build.pk).update(
        status=status, finished_at=timezone.now(), message=message[:300]
    )
    return status
