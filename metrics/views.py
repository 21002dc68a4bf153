"""Step 4 pages: for sales ops the KPI catalogue with SMART checks, Day-1 readiness and imports; for a
plan's leaders its KPIs, targets, actuals, attainment and churn policy."""

import csv
import io

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from core import editing, paging, sheet
from core.queue import QueueUnavailable
from metrics import (
    engine,
    forms,
    importer,
    pipeline_import,
    pull_views,
    qbr,
    selectors,
    services,
    smart,
    template_file,
)
from metrics.models import KPI, ChurnPolicy, DataSource, ImportBatch, KPITarget, PullSource
from metrics.sheets import KPISheet
from orgs import permissions
from orgs.models import FiscalCalendar
from planning import selectors as plan_selectors
from planning.models import Objective, Plan, SeasonalityProfile
from planning.views.plan import plan_context

# --- Sales ops: catalogue, KPI, readiness, imports -----------------------------------------------------


@login_required
@require_safe
def catalogue(request: HttpRequest) -> HttpResponse:
    kpis = selectors.kpi_list()
    return render(
        request,
        "metrics/catalogue.html",
        {
            "kpis": kpis,
            "summary": selectors.kpi_smart_summary_get([k for k in kpis if k.active]),
            "can_edit": permissions.is_company_ops(request.user),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def kpi_detail(request: HttpRequest, kpi_id: int | None = None) -> HttpResponse:
    kpi = get_object_or_404(KPI, pk=kpi_id) if kpi_id else None
    can_edit = permissions.is_company_ops(request.user)
    source = DataSource.objects.get_or_create(kpi=kpi)[0] if kpi else None
    form = forms.KPIForm(instance=kpi)
    source_form = forms.DataSourceForm(instance=source) if source else None
    if request.method == "POST":
        editing.permit(can_edit, "Only company-level sales ops keep the KPI catalogue.")
        if request.POST.get("form") == "source" and source:
            source_form = forms.DataSourceForm(request.POST, instance=DataSource.objects.get(pk=source.pk))
            outcome = editing.submit(source_form, lambda: _source_update(request, source, source_form))
            done = "Data source saved."
        else:
            form = forms.KPIForm(request.POST, instance=KPI.objects.get(pk=kpi.pk) if kpi else KPI())
            outcome = editing.submit(form, lambda: _kpi_save(request, kpi, form))
            done = lambda saved: f"KPI “{(kpi or saved).name}” saved."  # noqa: E731
        to = lambda saved: reverse("kpi", kwargs={"kpi_id": (kpi or saved).pk})  # noqa: E731
        if response := editing.page(request, outcome, done=done, to=to):
            return response
    context = {"kpi": kpi, "form": form, "source_form": source_form, "can_edit": can_edit}
    if kpi:
        context["criteria"] = smart.check(kpi, has_targets=KPITarget.objects.filter(kpi=kpi).exists())
        context["objectives"] = (  # only the plans this user may open: another unit's plan is a 404
            kpi.objectives.filter(plan__in=Plan.objects.visible_to(request.user))
            .select_related("plan__org_unit")
            .order_by("-plan__fiscal_year", "plan__org_unit__path")
        )
    return render(request, "metrics/kpi.html", context)


def _source_update(request: HttpRequest, source: DataSource, form: forms.DataSourceForm) -> DataSource:
    return services.source_update(actor=request.user, source=source, **editing.versioned(form))


def _kpi_save(request: HttpRequest, kpi: KPI | None, form: forms.KPIForm) -> KPI:
    if kpi is None:
        return services.kpi_create(actor=request.user, values=editing.values(form.cleaned_data))
    return services.kpi_update(actor=request.user, kpi=kpi, **editing.versioned(form))


@login_required
@require_safe
def readiness(request: HttpRequest) -> HttpResponse:
    rules = FiscalCalendar.current_rules()
    today = timezone.localdate()
    default = rules.fiscal_year_of(today) + 1
    asked = request.GET.get("year", "")
    year = int(asked) if asked.isdigit() and 2000 <= int(asked) <= 2100 else default
    rows = selectors.kpi_readiness_list(fiscal_year=year, today=today)
    return render(
        request,
        "metrics/readiness.html",
        {
            "rows": rows,
            "year": year,
            "years": [default - 1, default, default + 1],
            "day_one": rules.year_range(year)[0],
            "ready": sum(r.ready for r in rows),
            "late": sum(r.late for r in rows),
            "today": today,
            "pulls": pull_views.rows(),  # whether data is arriving, by metrics.pulls.freshness
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def imports(request: HttpRequest) -> HttpResponse:
    can_load = importer.may_load(request.user)
    form = forms.UploadForm(request.POST or None, request.FILES or None)
    status = 200
    if request.method == "POST":
        importer.ensure_may_load(request.user)
        if form.is_valid():
            upload = form.cleaned_data["file"]
            if upload.size > importer.MAX_BYTES:
                form.add_error("file", f"The file is larger than {importer.MAX_BYTES // 2**20} MB.")
            else:
                try:
                    batch = importer.submit(
                        actor=request.user,
                        name=upload.name,
                        data=upload.read(),
                        number_format=form.cleaned_data["number_format"],
                        date_format=form.cleaned_data["date_format"],
                        loads=form.cleaned_data["loads"] or PullSource.Loads.ACTUALS,
                    )
                except QueueUnavailable as exc:  # the batch is recorded as failed, with a retry
                    form.add_error("file", str(exc.detail))
                    status = 503
                else:
                    return redirect("kpi-import", batch_id=batch.pk)
    batches = ImportBatch.objects.select_related("uploaded_by", "pull_source").defer("content")
    if not permissions.is_company_ops(request.user):
        batches = batches.filter(uploaded_by=request.user)
    page = Paginator(batches, settings.AOP_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "metrics/imports.html",
        {
            "page": page,
            "form": form,
            "can_load": can_load,
            "columns": importer.COLUMNS,
            "pipeline_columns": pipeline_import.COLUMNS,
            "limit": importer.MAX_BYTES // 2**20,
        },
        status=status,
    )


@login_required
@require_safe
def import_template(request: HttpRequest, fmt: str) -> HttpResponse:
    """The file an import of actuals starts from (metrics.template_file), for those who may load."""
    importer.ensure_may_load(request.user)
    if fmt not in template_file.CONTENT_TYPES:
        raise Http404("The template is a .csv or an .xlsx file.")
    holds = "pipeline" if request.GET.get("holds") == PullSource.Loads.PIPELINE else "actuals"
    build = pipeline_import.template if holds == "pipeline" else template_file.actuals_template
    body, content_type = build(actor=request.user, fmt=fmt, today=timezone.localdate())
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{holds}-template.{fmt}"'
    return response


def _batch(request: HttpRequest, batch_id: int) -> ImportBatch:
    batches = ImportBatch.objects.select_related("uploaded_by", "pull_source").defer("content")
    if not permissions.is_company_ops(request.user):
        batches = batches.filter(uploaded_by=request.user)
    return get_object_or_404(batches, pk=batch_id)


@login_required
@require_safe
def import_detail(request: HttpRequest, batch_id: int) -> HttpResponse:
    batch = _batch(request, batch_id)
    errors = Paginator(batch.errors, 50).get_page(request.GET.get("page"))
    template = "metrics/partials/import_status.html" if request.htmx else "metrics/import.html"
    retryable = (
        batch.status == ImportBatch.Status.FAILED
        and importer.may_load(request.user)
        and ImportBatch.objects.filter(pk=batch.pk, content__isnull=False).exists()
    )
    context = {"batch": batch, "errors": errors, "retryable": retryable}
    return render(request, template, context | {"can_load": importer.may_load(request.user)})


@login_required
@require_POST
def import_retry(request: HttpRequest, batch_id: int) -> HttpResponse:
    """Run a failed import's kept file again, as a new batch whose page the user lands on."""
    batch = _batch(request, batch_id)
    try:
        new = importer.retry(actor=request.user, batch=batch)
    except ValidationError as exc:
        messages.error(request, editing.error_text(exc))
    except QueueUnavailable as exc:
        messages.error(request, str(exc.detail))
        return redirect("kpi-imports")
    else:
        return redirect("kpi-import", batch_id=new.pk)
    return redirect("kpi-import", batch_id=batch.pk)


@login_required
@require_safe
def import_errors_csv(request: HttpRequest, batch_id: int) -> HttpResponse:
    batch = _batch(request, batch_id)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["row", "column", "reason"])
    for error in batch.errors:
        writer.writerow([error["row"], error["column"], error["reason"]])
    response = HttpResponse(out.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="import-{batch.pk}-errors.csv"'
    return response


# --- A plan's metrics tab ---------------------------------------------------------------------------------


@login_required
@require_safe
def plan_tab(request: HttpRequest, plan_id: int) -> HttpResponse:
    plan = plan_selectors.plan_get(user=request.user, plan_id=plan_id)
    today = timezone.localdate()
    kpis = selectors.plan_kpis_list(plan)
    all_kpis = list(KPI.objects.filter(active=True).order_by("name"))
    chosen = next((k for k in all_kpis if k.code == request.GET.get("kpi")), kpis[0] if kpis else None)
    ytd = engine.year_to_date(plan.fiscal_year, today)
    quarters = engine.quarters(plan.fiscal_year)
    results = engine.evaluate(
        kpis=kpis, windows=[w for w in [ytd, *quarters] if w], units=[plan.org_unit], today=today
    )
    rows = [
        {
            "kpi": kpi,
            "ytd": results.get(kpi, ytd, unit=plan.org_unit) if ytd else None,
            "quarters": [results.get(kpi, q, unit=plan.org_unit) for q in quarters],
        }
        for kpi in kpis
    ]
    policy = ChurnPolicy.objects.filter(plan=plan).first()
    rules = FiscalCalendar.current_rules()
    # A page of the sellers' credit table: the engine answers for the page's sellers only.
    credits = paging.paged(request, selectors.credit_sellers(plan, today), "credits_page")
    credits.object_list = selectors.seller_credit_list(plan, policy, today, sellers=credits.object_list)
    context = plan_context(request, plan, tab="metrics") | {
        "rows": rows,
        "kpis": kpis,
        "all_kpis": all_kpis,
        "chosen": chosen,
        "periods": rules.periods(plan.fiscal_year),
        "running_quarter": qbr.running_quarter(plan.fiscal_year, today),
        "ytd_label": f"{date_format(ytd.start, 'j M Y')} – {date_format(ytd.end, 'j M Y')}" if ytd else "",
        "objectives": Objective.objects.filter(plan=plan).prefetch_related("kpis"),
        "policy": policy,
        "churn": selectors.churn_get(policy) if policy else None,
        "policy_form": forms.ChurnPolicyForm(instance=policy or ChurnPolicy(plan=plan)),
        "credits": credits,
        "can_metrics": permissions.has_role(request.user, plan.org_unit, permissions.EDIT_METRICS),
        "can_policy": plan.is_editable
        and permissions.has_role(request.user, plan.org_unit, permissions.MANAGE_ORG),
        "profiles": SeasonalityProfile.objects.filter(
            org_unit__in=[*plan.org_unit.ancestor_ids, plan.org_unit_id]
        ),
    }
    if chosen:
        context["kpi_sheet"] = KPISheet(plan, chosen, can_edit=context["can_metrics"], today=today)
    return render(request, "metrics/plan.html", context)


def _tab(plan_id: int, anchor: str, kpi: KPI | None = None) -> str:
    url = reverse("metrics:plan", kwargs={"plan_id": plan_id})
    return f"{url}?kpi={kpi.code}#{anchor}" if kpi else f"{url}#{anchor}"


@login_required
@require_POST
def plan_targets(request: HttpRequest, plan_id: int, kpi_id: int) -> HttpResponse:
    plan = plan_selectors.plan_get(user=request.user, plan_id=plan_id)
    kpi = get_object_or_404(KPI, pk=kpi_id)
    subject = {
        "actor": request.user,
        "kpi": kpi,
        "org_unit": plan.org_unit,
        "seller": None,
        "fiscal_year": plan.fiscal_year,
    }
    profiles = SeasonalityProfile.objects.filter(org_unit__in=[*plan.org_unit.ancestor_ids, plan.org_unit_id])
    form = forms.PhaseForm(request.POST, profiles=profiles)
    outcome = editing.submit(
        form,
        lambda: services.targets_phase(
            **subject, annual=form.cleaned_data["annual"], profile=form.cleaned_data["seasonality"]
        ),
        invalid=lambda form: editing.form_text(form, labels=None),
    )
    done = lambda changed: f"{kpi}: {changed} monthly target(s) changed."  # noqa: E731
    return editing.action(
        request, outcome, done=done, to=_tab(plan.pk, "targets", kpi), failed="Targets not saved: "
    )


@login_required
@require_POST
def kpi_cells(request: HttpRequest, plan_id: int, kpi_id: int) -> JsonResponse:
    """A batch of edits from the plan's KPI grid (core.sheet): targets and manual actuals, applied whole."""
    plan = plan_selectors.plan_get(user=request.user, plan_id=plan_id)
    kpi = get_object_or_404(KPI, pk=kpi_id)
    can_edit = permissions.has_role(request.user, plan.org_unit, permissions.EDIT_METRICS)
    return sheet.respond(request, KPISheet(plan, kpi, can_edit=can_edit, today=timezone.localdate()))


@login_required
@require_POST
def objective_kpis(request: HttpRequest, plan_id: int, objective_id: int) -> HttpResponse:
    plan = plan_selectors.plan_get(user=request.user, plan_id=plan_id)
    objective = get_object_or_404(Objective, pk=objective_id, plan=plan)
    chosen = list(KPI.objects.filter(pk__in=[v for v in request.POST.getlist("kpis") if v.isdigit()]))
    version = request.POST.get("version", 0)
    outcome = editing.submit(
        None,
        lambda: services.objective_kpis_set(
            actor=request.user, objective=objective, version=int(version), kpis=chosen
        ),
    )
    return editing.action(
        request, outcome, done=f"KPIs of “{objective}” saved.", to=_tab(plan.pk, "objectives")
    )


@login_required
@require_POST
def churn_policy(request: HttpRequest, plan_id: int) -> HttpResponse:
    plan = plan_selectors.plan_get(user=request.user, plan_id=plan_id)
    policy = ChurnPolicy.objects.filter(plan=plan).first()
    form = forms.ChurnPolicyForm(
        request.POST, instance=ChurnPolicy(plan=plan, pk=policy.pk if policy else None)
    )
    outcome = editing.submit(
        form,
        lambda: services.churn_policy_save(actor=request.user, plan=plan, **editing.versioned(form)),
    )
    done, failed = "Churn policy saved.", "Churn policy not saved: "
    return editing.action(request, outcome, done=done, to=_tab(plan.pk, "churn"), failed=failed)
