"""Contests over the API: create, read, change and delete them (a version on every write; 409 when stale),
and `GET /api/contests/{id}/leaderboard/`. Scoped like the pages: a role reads the contests of its units
and their whole board; a seller reads the contests of their unit line and the board's top ten with their
own line. Writes see only the contests of the units the caller reads through a role (404 otherwise)."""

from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from core import editing
from core.api import VersionedSerializer, VisibleRelatedField
from metrics.models import KPI
from orgs import permissions
from orgs.models import OrgUnit
from planning.api.content import VERSION_PARAM, version_param
from sellers import contests
from sellers.models import Contest

READS = ("list", "retrieve", "leaderboard")


class ContestSerializer(VersionedSerializer):
    org_unit = VisibleRelatedField(queryset=OrgUnit.objects.all())
    kpi = serializers.SlugRelatedField(
        slug_field="code",
        queryset=KPI.objects.all(),
        help_text="The code of an activity KPI: a count summed over the days, such as calls or meetings.",
    )
    status = serializers.SerializerMethodField(help_text="upcoming, running or ended, as of today.")
    created_by = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = Contest
        fields = [
            "id",
            "name",
            "description",
            "org_unit",
            "kpi",
            "start",
            "end",
            "status",
            "created_by",
            "version",
        ]

    def get_status(self, contest: Contest) -> str:
        return contests.contest_status(contest, timezone.localdate())


class LeaderboardRowSerializer(serializers.Serializer):
    rank = serializers.IntegerField()
    seller = serializers.IntegerField(source="seller.pk")
    seller_name = serializers.CharField(source="seller.name")
    org_unit = serializers.CharField(source="seller.org_unit.name")
    value = serializers.DecimalField(
        max_digits=22, decimal_places=4, allow_null=True, help_text="null: no data"
    )
    joined = serializers.DateField(allow_null=True, help_text="Joined during the contest on this day.")
    left = serializers.DateField(allow_null=True, help_text="Left during the contest on this day.")
    you = serializers.BooleanField(help_text="The caller's own line.")


class LeaderboardSerializer(serializers.Serializer):
    contest = serializers.IntegerField(source="contest.pk")
    kpi = serializers.CharField(source="contest.kpi.code")
    status = serializers.CharField()
    counted_from = serializers.DateField(source="contest.start")
    counted_to = serializers.DateField(source="until", allow_null=True, help_text="The end, or today.")
    as_of = serializers.DateField(allow_null=True, help_text="The latest data date of the unit's rows.")
    stale = serializers.BooleanField()
    sellers = serializers.IntegerField(help_text="How many sellers are on the board.")
    rows = LeaderboardRowSerializer(
        many=True, help_text="The whole board, or a seller's top ten and own line."
    )


class ContestViewSet(viewsets.ModelViewSet):
    """Sales contests: the sellers of a unit ranked on an activity KPI over a date range."""

    serializer_class = ContestSerializer
    filterset_fields = ["org_unit", "kpi"]

    def get_queryset(self):
        today = timezone.localdate()
        if self.action in READS:
            return contests.contests_readable(user=self.request.user, today=today)
        return contests.contest_list(user=self.request.user, today=today)

    def perform_create(self, serializer) -> None:
        values = editing.values(serializer.validated_data)
        serializer.instance = contests.contest_create(actor=self.request.user, values=values)

    def perform_update(self, serializer) -> None:
        serializer.instance = contests.contest_update(
            actor=self.request.user,
            contest=serializer.instance,
            version=serializer.validated_data["version"],
            values=editing.values(serializer.validated_data),
        )

    @extend_schema(parameters=[VERSION_PARAM])
    def destroy(self, request: Request, *args, **kwargs) -> Response:
        contest = self.get_object()
        contests.contest_delete(actor=request.user, contest=contest, version=version_param(request))
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(responses=LeaderboardSerializer)
    @action(detail=True, methods=["get"], filterset_fields=[], pagination_class=None)
    def leaderboard(self, request: Request, pk: str) -> Response:
        """The contest's sellers ranked (competition ranking: ties share a rank) on the KPI engine's actual
        from the start to the end or today; a seller without a role on the unit sees the top ten and their
        own line."""
        contest = self.get_object()
        board = contests.leaderboard(contest, timezone.localdate())
        seller = permissions.seller_of(request.user)
        full = permissions.has_role(request.user, contest.org_unit, permissions.READ)
        rows = board.rows if full else board.around(seller)
        mine = board.row_of(seller)
        body = {
            "contest": contest,
            "status": board.status,
            "until": board.until,
            "as_of": board.as_of,
            "stale": board.stale,
            "sellers": len(board.rows),
            "rows": [{**vars(r), "you": r is mine} for r in rows],
        }
        return Response(LeaderboardSerializer(body).data)
