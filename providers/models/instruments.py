"""Shared instruments: bookings of an offering marked as an instrument, by the hour.

A booking holds one `InstrumentSlot` row per hour it covers; one slot per instrument and
start time (a unique constraint), so two bookings of one instrument can never overlap, on
PostgreSQL and SQLite alike. Cancelling or declining the booking's order frees its slots."""

from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from . import ServiceOffering, ServiceOrder


class InstrumentBooking(models.Model):
    offering = models.ForeignKey(ServiceOffering, on_delete=models.PROTECT, related_name="bookings")
    enterprise = models.ForeignKey(
        "vouchers.Enterprise", on_delete=models.PROTECT, related_name="instrument_bookings"
    )
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    hours = models.PositiveSmallIntegerField()
    # The order that pays for the booking through the normal order flow.
    service_order = models.OneToOneField(
        ServiceOrder, on_delete=models.PROTECT, related_name="instrument_booking"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("instrument booking")
        verbose_name_plural = _("instrument bookings")
        ordering = ["starts_at", "id"]
        constraints = [
            models.CheckConstraint(name="booking_hours_positive", condition=Q(hours__gt=0)),
            models.CheckConstraint(
                name="booking_ends_after_start", condition=Q(ends_at__gt=F("starts_at"))
            ),
        ]

    def __str__(self):
        return f"{self.offering} {self.starts_at:%Y-%m-%d %H:%M} ({self.hours} h)"


class InstrumentSlot(models.Model):
    """One booked hour of one instrument."""

    booking = models.ForeignKey(InstrumentBooking, on_delete=models.CASCADE, related_name="slots")
    offering = models.ForeignKey(ServiceOffering, on_delete=models.PROTECT, related_name="+")
    starts_at = models.DateTimeField()

    class Meta:
        verbose_name = _("booked instrument hour")
        verbose_name_plural = _("booked instrument hours")
        ordering = ["starts_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["offering", "starts_at"], name="instrument_slot_booked_once"
            )
        ]
