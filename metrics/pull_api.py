"""Pull sources over the API, as on their pages: everyone signed in reads them, company-level sales ops write
them through metrics.pulls. The credential is write-only: `secret` is taken on a write and never answered."""

from django.core.exceptions import PermissionDenied
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from core.api import VersionedSerializer
from metrics import pulls
from metrics.api import ImportBatchSerializer
from metrics.models import PullSource
from metrics.pull_forms import schedule_words
from metrics.pull_views import WRITERS, row
from orgs import permissions
from planning.api.content import VERSION_PARAM, version_param

FIELDS = list(pulls.EDITABLE)  # what pulls.pull_save takes


class PullSourceSerializer(VersionedSerializer):
    secret = serializers.CharField(
        write_only=True,
        required=False,
        allow_null=True,
        allow_blank=True,
        trim_whitespace=False,
        max_length=2000,
        help_text="The credential (database password, or the header's value). Write-only: left out or null "
        "keeps the stored one, an empty string clears it. Never returned.",
    )
    has_secret = serializers.SerializerMethodField(help_text="Whether a credential is stored.")
    schedule_text = serializers.SerializerMethodField(help_text="The schedule in words.")
    last_run_status = serializers.SerializerMethodField(
        help_text="The last run's status (queued, running, done, failed), or null if it never ran."
    )
    overdue = serializers.SerializerMethodField(help_text="Whether data is late by its schedule.")

    class Meta:
        model = PullSource
        fields = [
            "id",
            *FIELDS,
            "secret",
            "has_secret",
            "schedule_text",
            "last_success_at",
            "last_run_status",
            "overdue",
            "version",
        ]
        read_only_fields = ["last_success_at"]

    def get_has_secret(self, source: PullSource) -> bool:
        return bool(source.secret)

    def get_schedule_text(self, source: PullSource) -> str:
        return schedule_words(source.schedule)

    def get_last_run_status(self, source: PullSource) -> str | None:
        return self._row(source).status or None

    def get_overdue(self, source: PullSource) -> bool:
        return self._row(source).overdue

    def _row(self, source: PullSource):
        cache = self.context.setdefault("pull_rows", {})  # one freshness read per source and response
        if source.pk not in cache:
            cache[source.pk] = row(source)
        return cache[source.pk]


class PullSourceViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """Where actuals arrive from by themselves: SQL queries and file URLs, on a schedule or on demand (run);
    each run is an import batch (/api/imports/). Company-level sales ops write them."""

    serializer_class = PullSourceSerializer
    filterset_fields = ["kind", "loads", "enabled"]

    def get_queryset(self):
        return PullSource.objects.order_by("name")

    def _writer(self) -> None:
        if not permissions.is_company_ops(self.request.user):
            raise PermissionDenied(WRITERS)

    def create(self, request: Request, *args, **kwargs) -> Response:
        self._writer()
        return super().create(request, *args, **kwargs)

    def update(self, request: Request, *args, **kwargs) -> Response:
        self._writer()
        return super().update(request, *args, **kwargs)

    def perform_create(self, serializer) -> None:
        data = serializer.validated_data
        serializer.instance = pulls.pull_save(
            actor=self.request.user,
            source=None,
            version=None,
            values={k: v for k, v in data.items() if k in FIELDS},
            secret=data.get("secret") or None,
        )

    def perform_update(self, serializer) -> None:
        source, data = serializer.instance, serializer.validated_data
        values = {k: getattr(source, k) for k in FIELDS} | {k: v for k, v in data.items() if k in FIELDS}
        serializer.instance = pulls.pull_save(
            actor=self.request.user,
            source=source,
            version=data["version"],
            values=values,
            secret=data.get("secret"),
        )

    @extend_schema(parameters=[VERSION_PARAM])
    def destroy(self, request: Request, *args, **kwargs) -> Response:
        """Delete the pull source at the version read; its batches stay in the imports."""
        self._writer()
        pulls.pull_delete(actor=request.user, source=self.get_object(), version=version_param(request))
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(request=None, responses={201: ImportBatchSerializer})
    @action(detail=True, methods=["post"], filterset_fields=[], pagination_class=None)
    def run(self, request: Request, pk: str) -> Response:
        """Pull once now; the answer is the run's import batch, done or failed."""
        self._writer()
        batch = pulls.pull_start(actor=request.user, source=self.get_object())
        return Response(ImportBatchSerializer(batch).data, status=status.HTTP_201_CREATED)
