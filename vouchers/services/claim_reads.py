"""A claim's two locking reads, as SQL composed once from the models' own tables and columns.

A claim is the programme's hottest write. Built through the ORM, these two reads (a
subquery, three joins and seven EXISTS annotations) cost more Python per claim than
everything else the claim does: under load (benchmarks/http_claims.py, profiled with
py-spy) building and compiling them was about a third of a gunicorn worker's time. Written
here once, they cost one cursor call each; the instances they return are the ORM's own
(`Model.from_db`, with the fields' converters), related rows cached as `select_related`
would. tests/redemptions/test_claim_reads.py checks them against the same reads through the
ORM.

Lock order as everywhere in a claim: the voucher, then the order (redemptions.py).
"""

import functools

from django.db import connection

from providers.models import OrderDocument, OwnSharePayment, Provider, ServiceOffering, ServiceOrder
from regions.models import ProgrammeRules, ProgrammeRulesVersion, Region
from vouchers.models import Redemption, RelatedParty, Voucher
from vouchers.selectors import LIVE_STATUSES

ELIGIBLE = ProgrammeRulesVersion.eligible_categories.through._meta.db_table
PROVIDER_CATEGORIES = Provider.categories.through._meta.db_table


def _columns(model, alias: str) -> str:
    return ", ".join(f'{alias}."{field.column}"' for field in model._meta.concrete_fields)


def _for_update(tables: str) -> str:
    # SQLite (the demo's database) has no row locks; its writes are serialised anyway.
    return f" FOR UPDATE OF {tables}" if connection.features.has_select_for_update_of else ""


VOUCHER_SQL = f"""
SELECT {_columns(Voucher, "v")}, {_columns(Region, "r")},
  COALESCE(
    (SELECT rv."co_funding_ratio" FROM "{ProgrammeRulesVersion._meta.db_table}" rv
      WHERE rv."id" = v."rules_version_id"),
    (SELECT pr."co_funding_ratio" FROM "{ProgrammeRules._meta.db_table}" pr
      WHERE pr."region_id" = v."issuing_region_id" AND pr."year" = v."year")
  )
FROM "{Voucher._meta.db_table}" v
JOIN "{Region._meta.db_table}" r ON r."id" = v."issuing_region_id"
WHERE v."id" = (SELECT o."voucher_id" FROM "{ServiceOrder._meta.db_table}" o
                 WHERE o."id" = %s AND o."provider_id" = %s)
"""

# The annotations, in this order, after the order's, the provider's and its district's columns.
ORDER_ANNOTATIONS = [
    "already_claimed",
    "rules_restrict_categories",
    "offering_category_eligible",
    "provider_category_eligible",
    "has_contract",
    "has_invoice",
    "own_share_confirmed",
    "related_party",
]
ORDER_SQL = f"""
SELECT {_columns(ServiceOrder, "o")}, {_columns(Provider, "p")}, {_columns(Region, "r")},
  EXISTS(SELECT 1 FROM "{Redemption._meta.db_table}" x
    WHERE x."service_order_id" = o."id" AND x."status" IN ({", ".join(["%s"] * len(LIVE_STATUSES))})),
  EXISTS(SELECT 1 FROM "{ELIGIBLE}" e WHERE e."programmerulesversion_id" = %s),
  EXISTS(SELECT 1 FROM "{ELIGIBLE}" e
    JOIN "{ServiceOffering._meta.db_table}" f ON f."category_id" = e."servicecategory_id"
    WHERE e."programmerulesversion_id" = %s AND f."id" = o."offering_id"),
  EXISTS(SELECT 1 FROM "{ELIGIBLE}" e
    JOIN "{PROVIDER_CATEGORIES}" pc ON pc."servicecategory_id" = e."servicecategory_id"
    WHERE e."programmerulesversion_id" = %s AND pc."provider_id" = o."provider_id"),
  EXISTS(SELECT 1 FROM "{OrderDocument._meta.db_table}" d
    WHERE d."service_order_id" = o."id" AND d."kind" = %s),
  EXISTS(SELECT 1 FROM "{OrderDocument._meta.db_table}" d
    WHERE d."service_order_id" = o."id" AND d."kind" = %s),
  EXISTS(SELECT 1 FROM "{OwnSharePayment._meta.db_table}" s
    WHERE s."service_order_id" = o."id" AND s."confirmed_at" IS NOT NULL),
  EXISTS(SELECT 1 FROM "{RelatedParty._meta.db_table}" rp
    WHERE rp."enterprise_id" = o."enterprise_id" AND rp."credit_code" = UPPER(TRIM(p."credit_code"))),
  (SELECT s."amount" FROM "{OwnSharePayment._meta.db_table}" s
    WHERE s."service_order_id" = o."id" AND s."confirmed_at" IS NOT NULL)
FROM "{ServiceOrder._meta.db_table}" o
JOIN "{Provider._meta.db_table}" p ON p."id" = o."provider_id"
JOIN "{Region._meta.db_table}" r ON r."id" = p."region_id"
WHERE o."id" = %s
"""


def _field_converters(model, field) -> tuple:
    """(column, converters): what the ORM applies to this field's value from a row."""
    column = field.get_col(model._meta.db_table)
    return column, connection.ops.get_db_converters(column) + field.get_db_converters(connection)


@functools.cache
def _loader(model, vendor: str):
    """(attnames, (column, converters) per field) of the model's concrete fields."""
    del vendor  # part of the cache key: the converters differ by database
    fields = model._meta.concrete_fields
    return [f.attname for f in fields], [_field_converters(model, f) for f in fields]


@functools.cache
def _value_converters(model, field_name: str, vendor: str) -> list:
    del vendor  # part of the cache key
    return [_field_converters(model, model._meta.get_field(field_name))]


def _convert(values, converters) -> list:
    converted = []
    for value, (column, functions) in zip(values, converters, strict=True):
        for function in functions:
            value = function(value, column, connection)
        converted.append(value)
    return converted


def _instance(model, row, start: int):
    """The model instance in row[start:...] and where the next one starts."""
    attnames, converters = _loader(model, connection.vendor)
    end = start + len(attnames)
    values = _convert(row[start:end], converters)
    return model.from_db(connection.alias, attnames, values), end


def _value(model, field_name: str, value):
    """A column's value as the ORM reads it (SQLite gives a decimal as a float)."""
    if value is None:
        return None
    return _convert([value], _value_converters(model, field_name, connection.vendor))[0]


def lock_voucher_of_order(*, service_order_id: int, provider_id: int) -> Voucher | None:
    """The voucher of the provider's order, locked, with its district and `rules_ratio` (its
    rules snapshot's co-funding ratio, else its district-year's; None when it has neither)."""
    with connection.cursor() as cursor:
        cursor.execute(VOUCHER_SQL + _for_update("v"), [service_order_id, provider_id])
        row = cursor.fetchone()
    if row is None:
        return None
    voucher, end = _instance(Voucher, row, 0)
    region, end = _instance(Region, row, end)
    Voucher._meta.get_field("issuing_region").set_cached_value(voucher, region)
    voucher.rules_ratio = _value(ProgrammeRules, "co_funding_ratio", row[end])
    return voucher


def lock_order_for_claim(*, service_order_id: int, voucher: Voucher) -> ServiceOrder | None:
    """The order, locked, with its provider and the provider's district, whether it has a
    live claim, whether its voucher's rules allow its category (`order_is_eligible`), its
    paperwork (`paperwork_missing`), whether the enterprise has declared the provider a
    related party since the order (`related_party`) and `own_share_confirmed_amount` (None until the provider
    confirms the enterprise's own share)."""
    rules_version_id = voucher.rules_version_id
    params = [
        *LIVE_STATUSES,
        rules_version_id,
        rules_version_id,
        rules_version_id,
        OrderDocument.Kind.CONTRACT,
        OrderDocument.Kind.INVOICE,
        service_order_id,
    ]
    with connection.cursor() as cursor:
        cursor.execute(ORDER_SQL + _for_update("o"), params)
        row = cursor.fetchone()
    if row is None:
        return None
    order, end = _instance(ServiceOrder, row, 0)
    provider, end = _instance(Provider, row, end)
    region, end = _instance(Region, row, end)
    Provider._meta.get_field("region").set_cached_value(provider, region)
    ServiceOrder._meta.get_field("provider").set_cached_value(order, provider)
    if order.voucher_id == voucher.pk:
        ServiceOrder._meta.get_field("voucher").set_cached_value(order, voucher)
    *flags, own_share = row[end:]
    for name, value in zip(ORDER_ANNOTATIONS, flags, strict=True):
        setattr(order, name, bool(value))
    order.own_share_confirmed_amount = _value(OwnSharePayment, "amount", own_share)
    return order
