from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, viewsets
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api import VersionedSerializer, VisibleRelatedField
from orgs import services
from orgs.models import FiscalCalendar, OrgUnit, Seller, validate_ramp


class OrgUnitSerializer(VersionedSerializer):
    parent = VisibleRelatedField(queryset=OrgUnit.objects.all(), allow_null=True, required=False)
    depth = serializers.IntegerField(read_only=True)

    class Meta:
        model = OrgUnit
        fields = ["id", "name", "code", "kind", "parent", "depth", "version", "created_at", "updated_at"]


class OrgUnitViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """The org tree: every unit the user may see. Sales ops add and rename units below their own."""

    serializer_class = OrgUnitSerializer
    filterset_fields = ["parent", "kind", "code"]

    def get_queryset(self):
        return OrgUnit.objects.visible_to(self.request.user)

    def perform_create(self, serializer: OrgUnitSerializer) -> None:
        data = serializer.validated_data
        serializer.instance = services.org_unit_create(
            actor=self.request.user,
            name=data["name"],
            code=data["code"],
            kind=data.get("kind", OrgUnit.Kind.TEAM),
            parent=data.get("parent"),
        )

    def perform_update(self, serializer: OrgUnitSerializer) -> None:
        data = dict(serializer.validated_data)
        version = data.pop("version")
        serializer.instance = services.org_unit_update(
            actor=self.request.user, unit=serializer.instance, version=version, values=data
        )


class SellerSerializer(VersionedSerializer):
    org_unit = VisibleRelatedField(queryset=OrgUnit.objects.all())
    ramp = serializers.JSONField(
        required=False,
        validators=[validate_ramp],
        help_text="Productivity in % for each month from the start month, e.g. [0, 25, 50, 75, 100].",
    )

    class Meta:
        model = Seller
        fields = [
            "id",
            "name",
            "email",
            "org_unit",
            "start_date",
            "end_date",
            "ramp",
            "monthly_quota",
            "user",
            "version",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["user"]


class SellerViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Sellers (reps) with their start date, ramp and quota. A seller who leaves gets an end date."""

    serializer_class = SellerSerializer
    filterset_fields = ["org_unit", "email"]

    def get_queryset(self):
        return Seller.objects.visible_to(self.request.user).order_by("name", "id")

    def perform_create(self, serializer: SellerSerializer) -> None:
        serializer.instance = services.seller_create(
            actor=self.request.user, values=dict(serializer.validated_data)
        )

    def perform_update(self, serializer: SellerSerializer) -> None:
        data = dict(serializer.validated_data)
        version = data.pop("version")
        serializer.instance = services.seller_update(
            actor=self.request.user, seller=serializer.instance, version=version, values=data
        )


class FiscalCalendarSerializer(VersionedSerializer):
    class Meta:
        model = FiscalCalendar
        fields = ["start_month", "naming", "version", "updated_at"]


class FiscalCalendarView(APIView):
    """The company's fiscal calendar. Everyone reads it; company-level sales ops change it."""

    serializer_class = FiscalCalendarSerializer

    @extend_schema(responses=FiscalCalendarSerializer)
    def get(self, request: Request) -> Response:
        return Response(FiscalCalendarSerializer(FiscalCalendar.load()).data)

    @extend_schema(request=FiscalCalendarSerializer, responses=FiscalCalendarSerializer)
    def put(self, request: Request) -> Response:
        current = FiscalCalendar.load()
        serializer = FiscalCalendarSerializer(current, data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        calendar = services.fiscal_calendar_update(
            actor=request.user,
            version=data["version"],
            start_month=data.get("start_month", current.start_month),  # a field left out keeps its value
            naming=data.get("naming", current.naming),
        )
        return Response(FiscalCalendarSerializer(calendar).data)
