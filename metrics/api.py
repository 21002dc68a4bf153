"""Step 4 over the API: the KPI catalogue with SMART checks and data sources, targets, actuals (bulk and
file imports), readiness, attainment and churn policy."""

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
    inline_serializer,
)
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core import editing, tabular
from core.api import ValidationErrorSerializer, VersionedSerializer, VisibleRelatedField
from metrics import engine, importer, pipeline, pipeline_import, selectors, services, smart
from metrics.models import (
    KPI,
    Actual,
    ChurnPolicy,
    DataSource,
    ImportBatch,
    KPITarget,
    Opportunity,
    PullSource,
)
from orgs import permissions
from orgs.models import OrgUnit, Seller
from planning.models import Plan, SeasonalityProfile

VALUE = {"max_digits": 18, "decimal_places": 4}


class CriterionSerializer(serializers.Serializer):
    name = serializers.CharField()
    passed = serializers.BooleanField()
    reason = serializers.CharField()


class KPISerializer(VersionedSerializer):
    numerator = serializers.SlugRelatedField(
        slug_field="code", queryset=KPI.objects.all(), allow_null=True, required=False
    )
    denominator = serializers.SlugRelatedField(
        slug_field="code", queryset=KPI.objects.all(), allow_null=True, required=False
    )
    smart = serializers.SerializerMethodField()

    class Meta:
        model = KPI
        fields = [
            "id",
            "code",
            "name",
            "description",
            "unit",
            "direction",
            "aggregation",
            "numerator",
            "denominator",
            "annual_target",
            "review_cadence",
            "alert_threshold",
            "owner",
            "active",
            "smart",
            "version",
        ]

    def get_smart(self, kpi: KPI) -> list[dict]:
        criteria = getattr(kpi, "smart", None) or smart.check(kpi)
        return [{"name": c.name, "passed": c.passed, "reason": c.reason} for c in criteria]


class DataSourceSerializer(VersionedSerializer):
    class Meta:
        model = DataSource
        fields = [
            "kind",
            "field_name",
            "capture_process",
            "owner",
            "readiness",
            "effort",
            "ready_by",
            "version",
        ]


class KPIViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """The KPI catalogue with each KPI's SMART check; company-level sales ops add and change KPIs."""

    serializer_class = KPISerializer
    filterset_fields = ["unit", "aggregation", "active"]

    def get_queryset(self):
        return (
            KPI.objects.select_related("numerator", "denominator")
            .prefetch_related("objectives")
            .order_by("name")
        )

    def perform_create(self, serializer) -> None:
        values = editing.values(serializer.validated_data)
        serializer.instance = services.kpi_create(actor=self.request.user, values=values)

    def perform_update(self, serializer) -> None:
        values = editing.values(serializer.validated_data)
        serializer.instance = services.kpi_update(
            actor=self.request.user,
            kpi=serializer.instance,
            version=serializer.validated_data["version"],
            values=values,
        )

    @extend_schema(methods=["get"], responses=DataSourceSerializer)
    @extend_schema(methods=["put"], request=DataSourceSerializer, responses=DataSourceSerializer)
    @action(detail=True, methods=["get", "put"], filterset_fields=[], pagination_class=None)
    def source(self, request: Request, pk: str) -> Response:
        """The KPI's data source and its Day-1 readiness."""
        kpi = self.get_object()
        source = DataSource.objects.get_or_create(kpi=kpi)[0]
        if request.method == "GET":
            return Response(DataSourceSerializer(source).data)
        data = DataSourceSerializer(source, data=request.data)
        data.is_valid(raise_exception=True)
        values = editing.values(data.validated_data)
        source = services.source_update(
            actor=request.user, source=source, version=data.validated_data["version"], values=values
        )
        return Response(DataSourceSerializer(source).data)


ReadinessSerializer = inline_serializer(
    "ReadinessRow",
    fields={
        "kpi": serializers.CharField(),
        "source": serializers.CharField(allow_null=True),
        "field_name": serializers.CharField(),
        "readiness": serializers.CharField(),
        "effort": serializers.CharField(),
        "owner": serializers.CharField(),
        "due": serializers.DateField(),
        "late": serializers.BooleanField(),
    },
    many=True,
)


class ReadinessView(APIView):
    """What must be captured before a fiscal year starts, and what is late."""

    @extend_schema(
        parameters=[OpenApiParameter("fiscal_year", int, required=True)], responses=ReadinessSerializer
    )
    def get(self, request: Request) -> Response:
        year = request.query_params.get("fiscal_year", "")
        if not year.isdigit() or not 2000 <= int(year) <= 2100:
            raise serializers.ValidationError(
                {"fiscal_year": "Give ?fiscal_year= from 2000 to 2100, e.g. 2028."}
            )
        rows = selectors.kpi_readiness_list(fiscal_year=int(year), today=services.today())
        return Response(
            [
                {
                    "kpi": r.kpi.code,
                    "source": r.source.kind if r.source else None,
                    "field_name": r.source.field_name if r.source else "",
                    "readiness": r.source.readiness if r.source else "",
                    "effort": r.source.effort if r.source else "",
                    "owner": r.source.owner if r.source else "",
                    "due": r.due,
                    "late": r.late,
                }
                for r in rows
            ]
        )


class KPITargetSerializer(serializers.ModelSerializer):
    kpi = serializers.SlugRelatedField(slug_field="code", read_only=True)

    class Meta:
        model = KPITarget
        fields = ["id", "kpi", "org_unit", "seller", "fiscal_year", "period", "value", "version"]


class TargetSetSerializer(serializers.Serializer):
    kpi = serializers.SlugRelatedField(slug_field="code", queryset=KPI.objects.all())
    org_unit = VisibleRelatedField(queryset=OrgUnit.objects.all())
    seller = VisibleRelatedField(queryset=Seller.objects.all(), required=False, allow_null=True)
    fiscal_year = serializers.IntegerField(min_value=2000, max_value=2100)
    months = serializers.ListField(
        child=serializers.DecimalField(**VALUE), min_length=12, max_length=12, required=False
    )
    annual = serializers.DecimalField(
        **VALUE, required=False, help_text="Phased over the months instead of months."
    )
    seasonality = VisibleRelatedField(
        queryset=SeasonalityProfile.objects.all(), required=False, allow_null=True
    )

    def validate(self, attrs: dict) -> dict:
        if ("months" in attrs) == ("annual" in attrs):
            raise serializers.ValidationError("Give either 12 months or an annual figure to phase.")
        return attrs


class KPITargetViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """KPI targets per org unit or seller per fiscal month."""

    serializer_class = KPITargetSerializer
    filterset_fields = ["kpi", "org_unit", "seller", "fiscal_year"]

    def get_queryset(self):
        return (
            KPITarget.objects.visible_to(self.request.user)
            .select_related("kpi")
            .order_by("kpi", "org_unit", "period")
        )

    @extend_schema(
        request=TargetSetSerializer,
        responses=inline_serializer("TargetsSet", {"changed": serializers.IntegerField()}),
    )
    @action(detail=False, methods=["post"], url_path="set")
    def set_targets(self, request: Request) -> Response:
        """Set 12 monthly targets, or phase an annual figure with a seasonality profile."""
        data = TargetSetSerializer(data=request.data, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        d = data.validated_data
        common = {
            "actor": request.user,
            "kpi": d["kpi"],
            "org_unit": d["org_unit"],
            "seller": d.get("seller"),
            "fiscal_year": d["fiscal_year"],
        }
        if "months" in d:
            changed = services.targets_set(**common, months=d["months"])
        else:
            changed = services.targets_phase(**common, annual=d["annual"], profile=d.get("seasonality"))
        return Response({"changed": changed})


class ActualSerializer(serializers.ModelSerializer):
    kpi = serializers.SlugRelatedField(slug_field="code", read_only=True)

    class Meta:
        model = Actual
        fields = ["id", "kpi", "org_unit", "seller", "date", "value", "source", "batch", "updated_at"]


class BulkRowSerializer(serializers.Serializer):
    kpi = serializers.CharField()
    unit = serializers.CharField(required=False, allow_blank=True)
    seller = serializers.CharField(required=False, allow_blank=True)
    date = serializers.CharField()
    value = serializers.CharField()


def number_format_field() -> serializers.ChoiceField:
    return serializers.ChoiceField(
        choices=tabular.NUMBER_CHOICES,
        default=tabular.PLAIN.code,
        help_text="How the values write numbers: plain 1234.50 (the default), or 1,234.50 or 1.234,50. "
        "Anything else (currency or percent signs, spaces, other separators) is refused with the row, "
        "column and text.",
    )


def date_format_field() -> serializers.ChoiceField:
    return serializers.ChoiceField(
        choices=tabular.DATE_CHOICES,
        default=tabular.ISO.code,
        help_text="How the dates are written: YYYY-MM-DD (the default), DD/MM/YYYY, MM/DD/YYYY or "
        "DD.MM.YYYY.",
    )


class BulkSerializer(serializers.Serializer):
    rows = BulkRowSerializer(many=True, allow_empty=False, max_length=importer.MAX_ROWS)
    number_format = number_format_field()
    date_format = date_format_field()


class ImportBatchSerializer(serializers.ModelSerializer):
    uploaded_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    progress = serializers.IntegerField(read_only=True)

    class Meta:
        model = ImportBatch
        fields = [
            "id",
            "file_name",
            "loads",
            "uploaded_by",
            "created_at",
            "finished_at",
            "status",
            "total_rows",
            "processed_rows",
            "progress",
            "loaded_rows",
            "error_count",
            "errors",
            "message",
        ]


def load_rows(request: Request, bulk: type, typed_rows, loads: str) -> Response:
    """A bulk load of JSON rows through the importer: `bulk` checks the request's shape, `typed_rows` reads
    its numbers and dates in the declared formats; 200 with the loaded batch, 400 with the refused one."""
    importer.ensure_may_load(request.user)
    data = bulk(data=request.data)
    data.is_valid(raise_exception=True)
    rows = typed_rows(
        data.validated_data["rows"],
        number_format=data.validated_data["number_format"],
        date_format=data.validated_data["date_format"],
    )
    batch = importer.load_api(actor=request.user, rows=rows, loads=loads)
    code = status.HTTP_200_OK if batch.status == ImportBatch.Status.DONE else status.HTTP_400_BAD_REQUEST
    return Response(ImportBatchSerializer(batch).data, status=code)


class ActualViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """Actuals. Load them in bulk (all or nothing, idempotent) or upload a file to /api/imports/."""

    serializer_class = ActualSerializer
    filterset_fields = ["kpi", "org_unit", "seller", "date", "source"]

    def get_queryset(self):
        return (
            Actual.objects.visible_to(self.request.user)
            .select_related("kpi")
            .order_by("kpi", "org_unit", "date", "pk")
        )

    @extend_schema(
        request=BulkSerializer,
        responses={
            200: ImportBatchSerializer,
            400: OpenApiResponse(
                ValidationErrorSerializer,
                description="Malformed rows, or the refused batch (ImportBatch) with its bad rows.",
            ),
        },
    )
    @action(detail=False, methods=["post"], filterset_fields=[], pagination_class=None)
    def bulk(self, request: Request) -> Response:
        """Load rows of kpi, unit or seller, date, value; one bad row and nothing changes (400, every row)."""
        return load_rows(request, BulkSerializer, importer.typed_rows, PullSource.Loads.ACTUALS)


class UploadSerializer(serializers.Serializer):
    file = serializers.FileField(
        help_text="CSV or XLSX with the columns kpi, unit, seller, date, value (actuals), or those of "
        "/api/opportunities/load/ (a pipeline snapshot)."
    )
    loads = serializers.ChoiceField(
        choices=PullSource.Loads.choices, default=PullSource.Loads.ACTUALS, help_text="What the file holds."
    )
    number_format = number_format_field()
    date_format = date_format_field()


class ImportBatchViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Uploads of actuals: status, progress and the report of bad rows."""

    serializer_class = ImportBatchSerializer
    filterset_fields = ["status"]

    def get_queryset(self):
        batches = ImportBatch.objects.select_related("uploaded_by").defer("content")
        user = self.request.user
        if permissions.is_company_ops(user):
            return batches
        return batches.filter(uploaded_by=user) if user.is_authenticated else batches.none()

    @extend_schema(request={"multipart/form-data": UploadSerializer}, responses={201: ImportBatchSerializer})
    def create(self, request: Request) -> Response:
        importer.ensure_may_load(request.user)
        data = UploadSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        upload = data.validated_data["file"]
        if upload.size > importer.MAX_BYTES:
            raise serializers.ValidationError({"file": f"The limit is {importer.MAX_BYTES // 2**20} MB."})
        batch = importer.submit(
            actor=request.user,
            name=upload.name,
            data=upload.read(),
            number_format=data.validated_data["number_format"],
            date_format=data.validated_data["date_format"],
            loads=data.validated_data["loads"],
        )
        return Response(ImportBatchSerializer(batch).data, status=status.HTTP_201_CREATED)

    parser_classes = [MultiPartParser]


class ChurnPolicySerializer(VersionedSerializer):
    plan = VisibleRelatedField(queryset=Plan.objects.all())

    class Meta:
        model = ChurnPolicy
        fields = [
            "id",
            "plan",
            "allowance",
            "measurement_period",
            "expected_churn",
            "net_growth_goal",
            "starting_arr",
            "benchmark_low",
            "benchmark_high",
            "warn_above",
            "version",
        ]


ChurnFiguresSerializer = inline_serializer(
    "ChurnFigures",
    fields={
        "annual_churn": serializers.DecimalField(max_digits=9, decimal_places=6),
        "monthly_churn": serializers.DecimalField(max_digits=9, decimal_places=6),
        "quarterly_churn": serializers.DecimalField(max_digits=9, decimal_places=6),
        "new_business_needed": serializers.DecimalField(max_digits=18, decimal_places=2),
        "growth_ceiling": serializers.DecimalField(max_digits=18, decimal_places=2, allow_null=True),
        "warnings": serializers.ListField(child=serializers.CharField()),
    },
)


class ChurnPolicyViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Each plan's churn policy, set by sales ops, and what follows from it."""

    serializer_class = ChurnPolicySerializer
    filterset_fields = ["plan"]

    def get_queryset(self):
        return ChurnPolicy.objects.visible_to(self.request.user).order_by("pk")

    def perform_create(self, serializer) -> None:
        data = dict(serializer.validated_data)
        plan = data.pop("plan")
        data.pop("version", None)
        if ChurnPolicy.objects.filter(plan=plan).exists():
            raise serializers.ValidationError({"plan": "This plan already has a churn policy; update it."})
        serializer.instance = services.churn_policy_save(
            actor=self.request.user, plan=plan, version=None, values=data
        )

    def perform_update(self, serializer) -> None:
        data = dict(serializer.validated_data)
        data.pop("plan", None)
        version = data.pop("version")
        serializer.instance = services.churn_policy_save(
            actor=self.request.user, plan=serializer.instance.plan, version=version, values=data
        )

    @extend_schema(responses=ChurnFiguresSerializer)
    @action(detail=True, methods=["get"], filterset_fields=[], pagination_class=None)
    def figures(self, request: Request, pk: str) -> Response:
        """Churn per month, quarter and year, new business needed, the growth ceiling and warnings."""
        result = selectors.churn_get(self.get_object())
        return Response(
            {
                "annual_churn": f"{result.annual:.6f}",
                "monthly_churn": f"{result.monthly:.6f}",
                "quarterly_churn": f"{result.quarterly:.6f}",
                "new_business_needed": f"{result.new_business_needed:.2f}",
                "growth_ceiling": None if result.ceiling is None else f"{result.ceiling:.2f}",
                "warnings": result.warnings,
            }
        )


AttainmentSerializer = inline_serializer(
    "Attainment",
    fields={
        "kpi": serializers.CharField(),
        "period": serializers.CharField(),
        "actual": serializers.CharField(allow_null=True),
        "target": serializers.CharField(allow_null=True),
        "expected": serializers.CharField(allow_null=True, help_text="The target phased to date."),
        "attainment": serializers.CharField(allow_null=True, help_text="Actual against the target to date."),
        "credited": serializers.CharField(allow_null=True, help_text="After the churn allowance."),
        "pace": serializers.CharField(allow_null=True, help_text="Projected total of the window."),
        "status": serializers.CharField(),
        "coverage": serializers.CharField(),
        "partial": serializers.BooleanField(),
        "last_date": serializers.DateField(allow_null=True),
    },
    many=True,
)


def _text(value) -> str | None:
    return None if value is None else str(value)


class AttainmentView(APIView):
    """A plan's KPIs year to date and by quarter, with status and coverage."""

    @extend_schema(parameters=[OpenApiParameter("plan", int, required=True)], responses=AttainmentSerializer)
    def get(self, request: Request) -> Response:
        plan_id = request.query_params.get("plan", "")
        if not plan_id.isdigit():
            raise serializers.ValidationError({"plan": "Give ?plan= with a plan id."})
        plan = get_object_or_404(
            Plan.objects.visible_to(request.user).select_related("org_unit"), pk=int(plan_id)
        )
        today = services.today()
        kpis = selectors.plan_kpis_list(plan)
        windows = [w for w in [engine.year_to_date(plan.fiscal_year, today)] if w]
        windows += engine.quarters(plan.fiscal_year)
        policy = ChurnPolicy.objects.filter(plan=plan).first()
        results = engine.evaluate(
            kpis=kpis,
            windows=windows,
            units=[plan.org_unit],
            today=today,
            allowance=policy.allowance if policy else None,
        )
        out = [
            {
                "kpi": kpi.code,
                "period": window.label,
                "actual": _text(r.actual),
                "target": _text(r.target),
                "expected": _text(r.expected),
                "attainment": _text(r.attainment),
                "credited": _text(r.credited),
                "pace": _text(r.pace),
                "status": r.status,
                "coverage": str(r.coverage),
                "partial": r.partial,
                "last_date": r.last_date,
            }
            for kpi in kpis
            for window in windows
            for r in [results.get(kpi, window, unit=plan.org_unit)]
        ]
        return Response(out)


# --- Pipeline -----------------------------------------------------------------------------------------------


class OpportunitySerializer(serializers.ModelSerializer):
    unit = serializers.SlugRelatedField(source="org_unit", slug_field="code", read_only=True)
    seller = serializers.SlugRelatedField(slug_field="email", read_only=True)

    class Meta:
        model = Opportunity
        fields = ["id", *pipeline_import.COLUMNS, "batch"]  # a row as the importer's columns name it


class OpportunityRowSerializer(serializers.Serializer):
    snapshot_date = serializers.CharField()
    external_id = serializers.CharField()
    name = serializers.CharField(required=False, allow_blank=True)
    unit = serializers.CharField(required=False, allow_blank=True)
    seller = serializers.CharField(required=False, allow_blank=True)
    amount = serializers.CharField()
    stage = serializers.CharField(required=False, allow_blank=True)
    probability = serializers.CharField(help_text="A percentage, 0 to 100.")
    category = serializers.CharField(help_text="pipeline, best case, commit, closed won or closed lost.")
    close_date = serializers.CharField()


class OpportunityBulkSerializer(serializers.Serializer):
    rows = OpportunityRowSerializer(many=True, allow_empty=False, max_length=importer.MAX_ROWS)
    number_format = number_format_field()
    date_format = date_format_field()


@extend_schema_view(
    list=extend_schema(
        parameters=[
            OpenApiParameter("unit", str, description="A unit's code: its deals and its subtree's."),
            OpenApiParameter("seller", str, description="A seller's e-mail."),
        ]
    )
)
class OpportunityViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """Pipeline snapshots' opportunities, of the units the user sees. Load a snapshot through the importer
    (all or nothing, idempotent on snapshot date and external id) or upload a file to /api/imports/."""

    serializer_class = OpportunitySerializer
    filterset_fields = ["snapshot_date", "category"]

    def get_queryset(self):
        rows = Opportunity.objects.visible_to(self.request.user).select_related("org_unit", "seller")
        params = self.request.query_params
        if params.get("unit"):
            unit = OrgUnit.objects.filter(code=params["unit"]).first()
            rows = rows.filter(org_unit__path__startswith=unit.path) if unit else rows.none()
        if params.get("seller"):
            rows = rows.filter(seller__email__iexact=params["seller"])
        return rows.order_by("snapshot_date", "external_id")

    @extend_schema(
        request=OpportunityBulkSerializer,
        responses={
            200: ImportBatchSerializer,
            400: OpenApiResponse(
                ValidationErrorSerializer,
                description="Malformed rows, or the refused batch with its bad rows.",
            ),
        },
    )
    @action(detail=False, methods=["post"], filterset_fields=[], pagination_class=None)
    def load(self, request: Request) -> Response:
        """Load one or more snapshots' rows; one bad row and nothing changes (400, every bad row)."""
        return load_rows(
            request, OpportunityBulkSerializer, pipeline_import.typed_rows, PullSource.Loads.PIPELINE
        )


CoverageSerializer = inline_serializer(
    "PipelineCoverage",
    {
        "subject": serializers.CharField(help_text="The unit's code or the seller's e-mail."),
        "kind": serializers.ChoiceField(choices=["unit", "seller"]),
        "name": serializers.CharField(),
        "snapshot_date": serializers.DateField(allow_null=True),
        "quarter": serializers.IntegerField(),
        "start": serializers.DateField(),
        "end": serializers.DateField(),
        "target": serializers.DecimalField(max_digits=20, decimal_places=2, allow_null=True),
        "won": serializers.DecimalField(max_digits=20, decimal_places=2),
        "open": serializers.DecimalField(max_digits=20, decimal_places=2),
        "weighted": serializers.DecimalField(max_digits=20, decimal_places=2),
        "by_category": serializers.DictField(child=serializers.DecimalField(max_digits=20, decimal_places=2)),
        "coverage": serializers.DecimalField(max_digits=12, decimal_places=4, allow_null=True),
        "weighted_coverage": serializers.DecimalField(max_digits=12, decimal_places=4, allow_null=True),
        "threshold": serializers.DecimalField(max_digits=5, decimal_places=2),
        "status": serializers.ChoiceField(choices=list(pipeline.STATUS_TEXT)),
    },
    many=True,
)


class PipelineCoverageView(APIView):
    """A plan's pipeline coverage of a quarter by its unit and each row of its cascade (metrics.pipeline)."""

    @extend_schema(
        parameters=[
            OpenApiParameter("plan", int, required=True),
            OpenApiParameter("quarter", int, description="1–4; the quarter in progress when left out."),
        ],
        responses=CoverageSerializer,
    )
    def get(self, request: Request) -> Response:
        plan_id, quarter = request.query_params.get("plan", ""), request.query_params.get("quarter", "")
        if not plan_id.isdigit():
            raise serializers.ValidationError({"plan": "Give ?plan= with a plan id."})
        if quarter and quarter not in ("1", "2", "3", "4"):
            raise serializers.ValidationError({"quarter": "A quarter is 1, 2, 3 or 4."})
        plan = get_object_or_404(
            Plan.objects.visible_to(request.user).select_related("org_unit", "seasonality"), pk=int(plan_id)
        )
        chosen = int(quarter) if quarter else pipeline.current_quarter(plan, services.today())
        found = pipeline.plan_pipeline(plan, chosen)
        return Response([_coverage_row(found, row) for row in found.rows])


def _coverage_row(found: pipeline.PlanPipeline, row: pipeline.Row) -> dict:
    cover = row.coverage
    money = lambda v: None if v is None else f"{v:.2f}"  # noqa: E731
    return {
        "subject": row.subject.code if row.kind == "unit" else row.subject.email,
        "kind": row.kind,
        "name": str(row.subject),
        "snapshot_date": found.snapshot,
        "quarter": found.quarter,
        "start": found.start,
        "end": found.end,
        "target": money(cover.target),
        "won": money(cover.won),
        "open": money(cover.open),
        "weighted": money(cover.weighted),
        "by_category": {k: money(v) for k, v in cover.by_category.items()},
        "coverage": _text(cover.coverage),
        "weighted_coverage": _text(cover.weighted_coverage),
        "threshold": _text(cover.threshold),
        "status": cover.status,
    }
