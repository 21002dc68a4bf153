from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import DefaultRouter

from budgets import api as step3
from capabilities import api as step2
from capabilities import views as capability_views
from core import accounts
from core.views import healthz
from metrics import api as step4
from metrics import pull_api, pull_views
from metrics import views as metric_views
from onepager.api import OnePagerPDFView
from onepager.pack_api import PackPDFView, PackPPTXView
from orgs.api import FiscalCalendarView, OrgUnitViewSet, SellerViewSet
from planning.api import content, settings, targets
from planning.api.plan import PlanViewSet
from scenarios.api import ScenarioViewSet
from sellers import api as quota_api
from sellers import contest_api, contest_views

router = DefaultRouter()
router.register("org-units", OrgUnitViewSet, basename="orgunit")
router.register("sellers", SellerViewSet, basename="seller")
router.register("plans", PlanViewSet, basename="plan")
router.register("objectives", content.ObjectiveViewSet, basename="objective")
router.register("strategies", content.StrategyViewSet, basename="strategy")
router.register("initiatives", content.InitiativeViewSet, basename="initiative")
router.register("risks", content.RiskViewSet, basename="risk")
router.register("sales-targets", content.SalesTargetViewSet, basename="salestarget")
router.register("long-term-goals", settings.LongTermGoalViewSet, basename="longtermgoal")
router.register("seasonality-profiles", settings.SeasonalityProfileViewSet, basename="seasonalityprofile")
router.register("target-allocations", targets.TargetAllocationViewSet, basename="targetallocation")
router.register("target-submissions", targets.TargetSubmissionViewSet, basename="targetsubmission")
router.register("capabilities", step2.CapabilityViewSet, basename="capability")
router.register("capability-assessments", step2.AssessmentViewSet, basename="capabilityassessment")
router.register("improvement-actions", step2.ImprovementActionViewSet, basename="improvementaction")
router.register("budgets", step3.BudgetViewSet, basename="budget")
router.register("budget-lines", step3.BudgetLineViewSet, basename="budgetline")
router.register("budget-moves", step3.MoveViewSet, basename="budgetmove")
router.register("kpis", step4.KPIViewSet, basename="kpi")
router.register("kpi-targets", step4.KPITargetViewSet, basename="kpitarget")
router.register("actuals", step4.ActualViewSet, basename="actual")
router.register("imports", step4.ImportBatchViewSet, basename="importbatch")
router.register("opportunities", step4.OpportunityViewSet, basename="opportunity")
router.register("churn-policies", step4.ChurnPolicyViewSet, basename="churnpolicy")
router.register("pull-sources", pull_api.PullSourceViewSet, basename="pullsource")
router.register("quota-publications", quota_api.PublicationViewSet, basename="quotapublication")
router.register("quota-acceptances", quota_api.AcceptanceViewSet, basename="quotaacceptance")
router.register("contests", contest_api.ContestViewSet, basename="contest")
router.register("scenarios", ScenarioViewSet, basename="scenario")

api_patterns = [
    path("", include(router.urls)),
    path("fiscal-calendar/", FiscalCalendarView.as_view(), name="fiscal-calendar"),
    path("planning-settings/", settings.PlanningSettingsView.as_view(), name="planning-settings"),
    path("capability-gaps/", step2.CapabilityGapsView.as_view(), name="capability-gaps"),
    path("kpi-readiness/", step4.ReadinessView.as_view(), name="kpi-readiness"),
    path("kpi-attainment/", step4.AttainmentView.as_view(), name="kpi-attainment"),
    path("pipeline-coverage/", step4.PipelineCoverageView.as_view(), name="pipeline-coverage"),
    path("plans/<int:plan_id>/one-pager.pdf", OnePagerPDFView.as_view(), name="one-pager-pdf"),
    path("plans/<int:plan_id>/reviews/<int:quarter>/pack.pdf", PackPDFView.as_view(), name="review-pack-pdf"),
    path(
        "plans/<int:plan_id>/reviews/<int:quarter>/pack.pptx", PackPPTXView.as_view(), name="review-pack-pptx"
    ),
    path("plans/<int:plan_id>/quotas/publish/", quota_api.PublishView.as_view(), name="quotas-publish"),
    path("auth/token/", accounts.TokenView.as_view(), name="api-token"),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="api-docs"),
]

urlpatterns = [
    path("accounts/login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/", include(accounts.urlpatterns)),  # password change and reset, API tokens
    path("admin/", admin.site.urls),
    path("api/", include(api_patterns)),
    path("healthz", healthz, name="healthz"),
    path("org/", include("orgs.urls")),
    path("plans/<int:plan_id>/capabilities/", include("capabilities.urls")),
    path("capabilities/", capability_views.catalogue, name="capability-catalogue"),
    path("capabilities/<int:capability_id>/", capability_views.capability_detail, name="capability"),
    path("me/", include("sellers.urls")),  # the seller seat
    path("contests/", contest_views.contest_list, name="contests"),
    path("contests/<int:contest_id>/", contest_views.contest_detail, name="contest"),
    path("kpis/", metric_views.catalogue, name="kpi-catalogue"),
    path("kpis/new/", metric_views.kpi_detail, name="kpi-new"),
    path("kpis/<int:kpi_id>/", metric_views.kpi_detail, name="kpi"),
    path("kpis/readiness/", metric_views.readiness, name="kpi-readiness-page"),
    path("kpis/imports/", metric_views.imports, name="kpi-imports"),
    path("kpis/imports/template.<slug:fmt>", metric_views.import_template, name="kpi-import-template"),
    path("kpis/imports/<int:batch_id>/", metric_views.import_detail, name="kpi-import"),
    path("kpis/imports/<int:batch_id>/errors.csv", metric_views.import_errors_csv, name="kpi-import-errors"),
    path("kpis/imports/<int:batch_id>/retry/", metric_views.import_retry, name="kpi-import-retry"),
    path("kpis/pull-sources/", pull_views.pull_list, name="kpi-pulls"),
    path("kpis/pull-sources/new/", pull_views.pull_edit, name="kpi-pull-new"),
    path("kpis/pull-sources/<int:source_id>/", pull_views.pull_detail, name="kpi-pull"),
    path("kpis/pull-sources/<int:source_id>/edit/", pull_views.pull_edit, name="kpi-pull-edit"),
    path("kpis/pull-sources/<int:source_id>/run/", pull_views.pull_run, name="kpi-pull-run"),
    path("kpis/pull-sources/<int:source_id>/delete/", pull_views.pull_delete, name="kpi-pull-delete"),
    path("plans/<int:plan_id>/budget/", include("budgets.urls")),
    path("plans/<int:plan_id>/metrics/", include("metrics.urls")),
    path("plans/<int:plan_id>/one-pager/", include("onepager.urls")),
    path("plans/<int:plan_id>/quotas/", include("sellers.quota_urls")),
    path("plans/<int:plan_id>/scenarios/", include("scenarios.urls")),
    path("", include("planning.urls")),
]

handler404 = "core.views.not_found"
handler500 = "core.views.server_error"
