"""The audit trail's hash chain: sealed entries cannot be changed, removed or re-chained
without `audit_verify` naming the first broken link."""

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction

from regions.audit_chain import GENESIS, audit_chain_seal, audit_chain_verify, chained_hash
from regions.models import AuditChainLink, AuditEntry, User
from regions.services import audit_record

pytestmark = pytest.mark.django_db


def make_user(username):
    return User.objects.create_user(username=username, password="x-pass-2026")


@pytest.fixture
def entries():
    actor = make_user("clerk")
    return [
        audit_record(actor=actor, obj=actor, action=AuditEntry.Action.UPDATE, reason=f"step {n}")
        for n in range(5)
    ]


def raw_sql(sql: str, params: list):
    """Run SQL past the append-only triggers, as a database superuser could."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute(sql, params)
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL session_replication_role = DEFAULT")


def test_sealing_chains_every_entry_once_in_id_order(entries):
    before = AuditChainLink.objects.count()

    sealed = audit_chain_seal()

    assert sealed == AuditEntry.objects.count() - before
    assert audit_chain_seal() == 0
    links = list(AuditChainLink.objects.order_by("position"))
    assert [link.position for link in links] == list(range(1, len(links) + 1))
    assert links[0].previous_hash == GENESIS
    for earlier, later in zip(links, links[1:], strict=False):
        assert later.previous_hash == earlier.entry_hash
    last = links[-1]
    assert last.entry_id == entries[-1].pk
    assert last.entry_hash == chained_hash(last.previous_hash, entries[-1])


def test_an_intact_chain_verifies_and_reports_what_is_not_sealed_yet(entries):
    audit_chain_seal()
    audit_record(actor=None, obj=make_user("late"), action=AuditEntry.Action.CREATE)

    report = audit_chain_verify()

    assert report.intact
    assert report.links == AuditChainLink.objects.count()
    assert report.unsealed == 1


def test_an_sql_edit_of_one_sealed_entry_is_named(entries):
    audit_chain_seal()
    edited = entries[2]
    raw_sql(
        "UPDATE regions_auditentry SET reason = %s WHERE id = %s", ["nothing happened", edited.pk]
    )

    report = audit_chain_verify()

    assert not report.intact
    assert report.broken_entry == edited.pk
    assert report.broken_at == edited.chain_link.position
    assert "changed after it was sealed" in report.problem
    with pytest.raises(CommandError, match=f"audit entry {edited.pk}"):
        call_command("audit_verify", "--no-seal")


def test_a_removed_link_is_named(entries):
    audit_chain_seal()
    removed = entries[1].chain_link.position
    raw_sql("DELETE FROM regions_auditchainlink WHERE position = %s", [removed])

    report = audit_chain_verify()

    assert report.broken_at == removed + 1
    assert f"link {removed} was removed" in report.problem


@pytest.mark.postgres  # past the foreign key too, which SQLite re-checks when the test ends
def test_the_newest_entry_removed_is_named(entries):
    audit_chain_seal()
    newest = entries[-1]
    raw_sql("SET CONSTRAINTS ALL IMMEDIATE", [])  # the link's own check runs now, not later
    raw_sql("DELETE FROM regions_auditentry WHERE id = %s", [newest.pk])

    report = audit_chain_verify()

    assert report.broken_entry == newest.pk
    assert f"audit entry {newest.pk} was removed" in report.problem


def test_the_command_seals_then_verifies(entries, capsys):
    call_command("audit_verify")

    out = capsys.readouterr().out
    assert f"sealed {AuditEntry.objects.count()} new audit entries" in out
    assert "Audit chain intact" in out
    head = AuditChainLink.objects.order_by("-position").first()
    assert f"head of the chain: link {head.position}, hash {head.entry_hash}" in out
    assert not AuditEntry.objects.filter(chain_link__isnull=True).exists()


@pytest.mark.postgres
def test_postgresql_refuses_to_rewrite_a_link(entries):
    audit_chain_seal()

    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditChainLink.objects.filter(position=1).update(entry_hash="f" * 64)
