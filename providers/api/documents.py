"""An order's paperwork in the API: its contract and invoice (multipart uploads by either
party), and the enterprise's own share (recorded by the enterprise, confirmed by the provider).
The actions hang on the service-order viewset (ServiceOrderViewSet mixes this class in)."""

from django.http import Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from portal.api import ModelSerializer, TextField, download_responses
from portal.files import DOCUMENT_KINDS, private_file_response
from portal.money import MoneyField
from providers.models import OrderDocument, OwnSharePayment
from providers.services import documents as services


class DocumentSerializer(ModelSerializer):
    name = TextField(source="original_name")
    uploaded_by = TextField(source="uploaded_by.username", default="")
    url = serializers.SerializerMethodField()

    class Meta:
        model = OrderDocument
        fields = [
            "id",
            "kind",
            "name",
            "content_type",
            "size",
            "sha256",
            "invoice_code",
            "invoice_number",
            "uploaded_by",
            "uploaded_at",
            "url",
        ]
        read_only_fields = fields

    def get_url(self, document) -> str:
        return f"/api/service-orders/{document.service_order_id}/documents/{document.pk}/"


class DocumentUploadSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=OrderDocument.Kind.values)
    file = serializers.FileField(allow_empty_file=True)
    invoice_code = TextField(
        required=False, allow_blank=True, max_length=64, help_text="发票代码, if it has one"
    )
    invoice_number = TextField(
        required=False, allow_blank=True, max_length=64, help_text="发票号码; required for invoices"
    )


class OwnShareConfirmSerializer(serializers.Serializer):
    amount = MoneyField(required=False, help_text="The amount as the provider read it.")
    payment_reference = TextField(
        max_length=100, required=False, help_text="The reference as the provider read it."
    )


class OwnShareSerializer(ModelSerializer):
    amount = MoneyField()
    payment_reference = TextField(max_length=100)
    recorded_by = TextField(source="recorded_by.username", read_only=True)
    confirmed_by = TextField(
        source="confirmed_by.username", read_only=True, default=None, allow_null=True
    )

    class Meta:
        model = OwnSharePayment
        fields = [
            "amount",
            "payment_reference",
            "recorded_by",
            "recorded_at",
            "confirmed_by",
            "confirmed_at",
        ]
        read_only_fields = ["recorded_by", "recorded_at", "confirmed_by", "confirmed_at"]


class OrderPaperworkActions:
    """`documents/`, `documents/{id}/`, `own-share/` and `own-share/confirm/`."""

    @extend_schema(
        request={"multipart/form-data": DocumentUploadSerializer},
        responses={201: DocumentSerializer},
    )
    @action(detail=True, methods=["post"])
    def documents(self, request, pk=None):
        """Either party uploads the signed contract (`kind=contract`) or the invoice
        (`kind=invoice` with `invoice_number` and, if it has one, `invoice_code`). An invoice
        already used on any order answers 409 `invoice_reused` and flags this order."""
        order = self.get_object()
        data = DocumentUploadSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        document = services.order_document_upload(
            order=order,
            kind=values["kind"],
            file=values["file"],
            invoice_code=values.get("invoice_code", ""),
            invoice_number=values.get("invoice_number", ""),
            actor=request.user,
        )
        return Response(DocumentSerializer(document).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        parameters=[OpenApiParameter("document_id", OpenApiTypes.INT, OpenApiParameter.PATH)],
        responses=download_responses(DOCUMENT_KINDS),
    )
    @action(detail=True, methods=["get"], url_path=r"documents/(?P<document_id>[0-9]+)")
    def document(self, request, pk=None, document_id=None):
        """Download the contract or the invoice: whoever may read the order."""
        order = self.get_object()
        document = order.documents.filter(pk=document_id).first()
        if document is None:
            raise Http404
        return private_file_response(
            document.file, filename=document.original_name, content_type=document.content_type
        )

    @extend_schema(request=OwnShareSerializer, responses={201: OwnShareSerializer})
    @action(detail=True, methods=["post"], url_path="own-share")
    def own_share(self, request, pk=None):
        """The enterprise records its payment of the part the voucher does not cover:
        `amount` (at least the contract less the voucher's share) and `payment_reference`."""
        order = self.get_object()
        data = OwnShareSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        payment = services.own_share_record(
            order=order,
            amount=data.validated_data["amount"],
            payment_reference=data.validated_data["payment_reference"],
            actor=request.user,
        )
        return Response(OwnShareSerializer(payment).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=OwnShareConfirmSerializer, responses=OwnShareSerializer)
    @action(detail=True, methods=["post"], url_path="own-share/confirm")
    def own_share_confirm(self, request, pk=None):
        """The provider confirms that the enterprise's own share reached it. `amount` and
        `payment_reference`, if sent, are the record as the provider read it: a record the
        enterprise changed since is `409 own_share_changed`, not confirmed."""
        data = OwnShareConfirmSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        payment = services.own_share_confirm(
            order=self.get_object(),
            actor=request.user,
            amount=data.validated_data.get("amount"),
            payment_reference=data.validated_data.get("payment_reference"),
        )
        return Response(OwnShareSerializer(payment).data)
