"""`GET /api/statistics/?region=&year=&month=`: the open figures of the statistics page, for
anyone (throttled like every anonymous call), from the statistics cache."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import permissions, serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from portal.api import TextField
from regions.statistics import (
    FIRST_YEAR,
    LAST_YEAR,
    StatisticsQueryError,
    statistics_cached,
    statistics_query,
)

MONEY = {"max_digits": 18, "decimal_places": 2}


class CountAmountSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    amount = serializers.DecimalField(**MONEY)


class CrossRegionSerializer(CountAmountSerializer):
    share = serializers.DecimalField(
        max_digits=5, decimal_places=4, help_text="Cross-region amount / amount redeemed."
    )


class DistrictSpendSerializer(CountAmountSerializer):
    region = TextField(help_text="The providers' district.")
    share = serializers.DecimalField(max_digits=5, decimal_places=4)


class FlowSerializer(CountAmountSerializer):
    from_region = TextField(help_text="The district that issued the vouchers.")
    to_region = TextField(help_text="The district of the providers they paid.")


class CategorySerializer(CountAmountSerializer):
    category = TextField(allow_null=True, help_text="Null: no category recorded.")
    name = TextField(allow_blank=True)
    name_zh = TextField(allow_blank=True)


class IndustrySerializer(serializers.Serializer):
    industry = TextField(allow_null=True, allow_blank=True)
    count = serializers.IntegerField()


class SizeSerializer(serializers.Serializer):
    size = TextField(allow_null=True, allow_blank=True)
    count = serializers.IntegerField()


class EnterprisesServedSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    by_industry = IndustrySerializer(many=True)
    by_size = SizeSerializer(many=True)


class DemandCountsSerializer(serializers.Serializer):
    published = serializers.IntegerField()
    resolved = serializers.IntegerField()


class AverageDaysSerializer(serializers.Serializer):
    application_to_voucher = serializers.DecimalField(
        max_digits=8, decimal_places=1, allow_null=True
    )
    claim_to_payment = serializers.DecimalField(max_digits=8, decimal_places=1, allow_null=True)


class MonthSerializer(serializers.Serializer):
    month = serializers.IntegerField()
    issued_count = serializers.IntegerField()
    issued_amount = serializers.DecimalField(**MONEY)
    redeemed_count = serializers.IntegerField()
    redeemed_amount = serializers.DecimalField(**MONEY)


class StatisticsSerializer(serializers.Serializer):
    region = TextField(allow_null=True, help_text="Null: the whole programme.")
    year = serializers.IntegerField()
    month = serializers.IntegerField(allow_null=True, help_text="Null: the whole year.")
    vouchers_issued = CountAmountSerializer()
    vouchers_redeemed = CountAmountSerializer(help_text="Approved or paid redemptions.")
    cross_region = CrossRegionSerializer()
    spent_by_district = DistrictSpendSerializer(many=True)
    flows = FlowSerializer(many=True)
    top_categories = CategorySerializer(many=True)
    enterprises_served = EnterprisesServedSerializer()
    demands = DemandCountsSerializer(allow_null=True)
    average_days = AverageDaysSerializer()
    monthly = MonthSerializer(many=True, help_text="The whole year, month by month.")
    computed_at = serializers.DateTimeField(required=False)


class StatisticsErrorSerializer(serializers.Serializer):
    region = serializers.ListField(child=TextField(), required=False)
    year = serializers.ListField(child=TextField(), required=False)
    month = serializers.ListField(child=TextField(), required=False)


def statistics_data(figures: dict) -> dict:
    """The figures as the API and the JSON download give them (money as decimal strings)."""
    return StatisticsSerializer(figures).data


class StatisticsView(APIView):
    """The open statistics: vouchers issued and redeemed, cross-region spending and flows,
    top service categories, enterprises served, average waits, monthly series."""

    permission_classes = [permissions.AllowAny]

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "region",
                OpenApiTypes.STR,
                enum=["YANGPU", "WUJIN", "NANHU", "HEFEI_HT"],
                description="A district code; default: the whole programme.",
            ),
            OpenApiParameter(
                "year",
                {"type": "integer", "minimum": FIRST_YEAR, "maximum": LAST_YEAR},
                description="Default: this year.",
            ),
            OpenApiParameter(
                "month",
                {"type": "integer", "minimum": 1, "maximum": 12},
                description="1-12; default: the whole year.",
            ),
        ],
        responses={200: StatisticsSerializer, 400: StatisticsErrorSerializer},
    )
    def get(self, request):
        try:
            query = statistics_query(request.query_params)
        except StatisticsQueryError as error:
            return Response({name: [text] for name, text in error.errors.items()}, status=400)
        return Response(statistics_data(statistics_cached(**query)))
