"""Published quotas over the API: each seller's acceptance (a seller reads their own, a role holder those of
the plans they read), its thread, and the actions publish, accept, ask and answer."""

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from planning import selectors as plan_selectors
from sellers import quota_selectors, quotas
from sellers.models import QuotaAcceptance, QuotaComment, QuotaPublication


class CommentSerializer(serializers.ModelSerializer):
    class Meta:
        model = QuotaComment
        fields = ["id", "author_name", "by_seller", "body", "at"]
        read_only_fields = fields


class AcceptanceSerializer(serializers.ModelSerializer):
    plan = serializers.IntegerField(source="publication.plan_id", read_only=True)
    seller_name = serializers.CharField(source="seller.name", read_only=True)
    months = serializers.ListField(
        child=serializers.DecimalField(max_digits=16, decimal_places=2),
        read_only=True,
        help_text="The quota as published, fiscal periods 1 … 12.",
    )
    accepted_months = serializers.ListField(
        child=serializers.DecimalField(max_digits=16, decimal_places=2),
        read_only=True,
        allow_null=True,
        help_text="The quota as the seller last accepted it (null: never accepted).",
    )
    total = serializers.SerializerMethodField(help_text="The year's quota as published.")

    class Meta:
        model = QuotaAcceptance
        fields = [
            "id",
            "plan",
            "publication",
            "seller",
            "seller_name",
            "months",
            "accepted_months",
            "total",
            "status",
            "sent_at",
            "opened_at",
            "answered_at",
            "version",
        ]
        read_only_fields = fields

    def get_total(self, acceptance: QuotaAcceptance) -> str:
        return f"{quota_selectors.sent_total(acceptance):.2f}"


class PublicationSerializer(serializers.ModelSerializer):
    published_by = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = QuotaPublication
        fields = ["id", "plan", "published_by", "published_at", "sent_count", "message", "version"]
        read_only_fields = fields


class PublishSerializer(serializers.Serializer):
    message = serializers.CharField(required=False, allow_blank=True, max_length=quotas.BODY_LIMIT)


class VersionSerializer(serializers.Serializer):
    version = serializers.IntegerField(min_value=1, help_text="The acceptance's version you read.")


class AskSerializer(VersionSerializer):
    body = serializers.CharField(allow_blank=True, max_length=quotas.BODY_LIMIT, help_text="The question.")


class AnswerSerializer(serializers.Serializer):
    body = serializers.CharField(allow_blank=True, max_length=quotas.BODY_LIMIT, help_text="The answer.")


class AcceptanceViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Sellers' published quotas and their answers. A seller reads only their own; sales leaders, ops,
    executives and viewers read those of the plans they read. Anything else is 404."""

    serializer_class = AcceptanceSerializer
    filterset_fields = ["publication", "seller", "status"]

    def get_queryset(self):
        return (
            quota_selectors.acceptances_visible_to(self.request.user)
            .select_related("publication", "seller")
            .order_by("publication", "seller__name", "pk")
        )

    def _acceptance(self) -> QuotaAcceptance:
        return self.get_object()  # 404 for a quota the user may not read, whatever the body

    def _reply(self, acceptance: QuotaAcceptance) -> Response:
        acceptance = self.get_queryset().get(pk=acceptance.pk)
        return Response(self.get_serializer(acceptance).data)

    @extend_schema(request=VersionSerializer, responses=AcceptanceSerializer)
    @action(detail=True, methods=["post"])
    def accept(self, request: Request, pk: str) -> Response:
        """The seller accepts their quota as published (their own only)."""
        acceptance = self._acceptance()
        data = VersionSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return self._reply(
            quotas.quota_accept(
                actor=request.user, acceptance=acceptance, version=data.validated_data["version"]
            )
        )

    @extend_schema(request=AskSerializer, responses=AcceptanceSerializer)
    @action(detail=True, methods=["post"])
    def ask(self, request: Request, pk: str) -> Response:
        """The seller asks a question about their quota (their own only)."""
        acceptance = self._acceptance()
        data = AskSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        acceptance = quotas.quota_ask(actor=request.user, acceptance=acceptance, **data.validated_data)
        return self._reply(acceptance)

    @extend_schema(request=AnswerSerializer, responses={status.HTTP_201_CREATED: CommentSerializer})
    @action(detail=True, methods=["post"])
    def answer(self, request: Request, pk: str) -> Response:
        """A sales leader of the plan's unit answers in the seller's thread; the seller is e-mailed."""
        acceptance = self._acceptance()
        data = AnswerSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        comment = quotas.quota_answer(
            actor=request.user, acceptance=acceptance, body=data.validated_data["body"]
        )
        return Response(CommentSerializer(comment).data, status=status.HTTP_201_CREATED)

    @extend_schema(responses=CommentSerializer(many=True))
    @action(detail=True, methods=["get"], pagination_class=None, filterset_fields=[])
    def comments(self, request: Request, pk: str) -> Response:
        """The quota's thread, oldest first: the seller's questions and the leaders' answers."""
        acceptance = self._acceptance()
        rows = QuotaComment.objects.filter(acceptance=acceptance).order_by("at", "pk")
        return Response(CommentSerializer(rows, many=True).data)


class PublicationViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Plans' quota publications (one per plan), for whoever reads the plan. Publish with
    POST /api/plans/{plan_id}/quotas/publish/."""

    serializer_class = PublicationSerializer
    filterset_fields = ["plan"]

    def get_queryset(self):
        return (
            quota_selectors.publications_visible_to(self.request.user)
            .select_related("published_by")
            .order_by("pk")
        )


class PublishView(APIView):
    """Send an approved plan's seller quotas to its sellers, or send them again after a change (its sales
    leaders only; 404 for a plan the user may not read, 409 for a plan that is not approved)."""

    @extend_schema(
        request=PublishSerializer,
        responses={
            status.HTTP_200_OK: PublicationSerializer,
            status.HTTP_409_CONFLICT: OpenApiResponse(description="The plan is not approved."),
        },
    )
    def post(self, request: Request, plan_id: int) -> Response:
        plan = plan_selectors.plan_get(user=request.user, plan_id=plan_id)
        data = PublishSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        publication = quotas.quotas_publish(actor=request.user, plan=plan, **data.validated_data)
        publication = get_object_or_404(
            QuotaPublication.objects.select_related("published_by"), pk=publication.pk
        )
        return Response(PublicationSerializer(publication).data)
