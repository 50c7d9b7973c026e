from datetime import datetime, timedelta, timezone

import pytest
import sqlalchemy as sa

from bot.handoff import (
    Finding,
    InvalidTransition,
    NotificationStatus,
    Reason,
    Severity,
    Status,
    TicketNotFound,
    TicketStore,
    default_database_url,
)
from bot.handoff.store import REPO
from tests.support.stores import migrated

from .conftest import FINDINGS


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2025, 3, 1, 9, 0, tzinfo=timezone.utc)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def timed_store(tmp_path, clock):
    store = TicketStore(migrated(f"sqlite:///{tmp_path / 'timed.db'}"), clock=clock)
    yield store
    store.close()


def test_a_new_ticket_is_open_with_a_pending_notification(new_ticket, store):
    ticket = new_ticket()
    assert ticket.status is Status.open and ticket.reason is Reason.side_effect and ticket.severity is Severity.urgent
    assert ticket.claimed_by is None and ticket.staff_notes == "" and ticket.claimed_at is ticket.resolved_at is None
    assert ticket.notification_status is NotificationStatus.pending and ticket.notification_attempts == 0
    assert store.get(ticket.id) == ticket


def test_lifecycle_open_claimed_resolved(timed_store, clock):
    ticket = timed_store.create_ticket("c", "rest", Reason.contraindication, Severity.routine, [], "I am pregnant")
    clock.advance(minutes=5)
    claimed = timed_store.claim(ticket.id, "Dana")
    assert claimed.status is Status.claimed and claimed.claimed_by == "Dana"
    assert claimed.claimed_at == clock.now == claimed.updated_at
    clock.advance(minutes=10)
    resolved = timed_store.resolve(ticket.id, "Called the patient; booked a consultation.")
    assert resolved.status is Status.resolved and resolved.resolved_at == clock.now
    assert resolved.staff_notes == "[2025-03-01 09:15 UTC] Called the patient; booked a consultation."
    assert resolved.claimed_by == "Dana" and resolved.created_at == datetime(2025, 3, 1, 9, 0, tzinfo=timezone.utc)
    assert timed_store.get(ticket.id) == resolved


def test_an_open_ticket_can_be_resolved_without_claiming(new_ticket, store):
    ticket = new_ticket()
    assert store.resolve(ticket.id, "handled by phone").status is Status.resolved


@pytest.mark.parametrize("first", ["claim", "resolve"])
def test_claiming_twice_or_after_resolving_is_refused(new_ticket, store, first):
    ticket = new_ticket()
    store.claim(ticket.id, "Dana") if first == "claim" else store.resolve(ticket.id, "done")
    with pytest.raises(InvalidTransition, match="already claimed by Dana" if first == "claim" else "already resolved"):
        store.claim(ticket.id, "Sam")
    assert store.get(ticket.id).claimed_by == ("Dana" if first == "claim" else None)


def test_resolving_twice_is_refused_and_keeps_the_first_note(new_ticket, store):
    ticket = new_ticket()
    store.resolve(ticket.id, "first")
    with pytest.raises(InvalidTransition, match="already resolved"):
        store.resolve(ticket.id, "second")
    assert store.get(ticket.id).staff_notes.endswith("first")


def test_unknown_tickets_and_blank_names_are_refused(store, new_ticket):
    for action in (lambda: store.claim(99, "Dana"), lambda: store.resolve(99, "x"), lambda: store.add_note(99, "x")):
        with pytest.raises(TicketNotFound, match="ticket 99 does not exist"):
            action()
    with pytest.raises(ValueError, match="name"):
        store.claim(new_ticket().id, "  ")
    assert store.get(99) is None


def test_notes_are_appended_one_per_line(timed_store, clock):
    ticket = timed_store.create_ticket("c", "rest", "human_request", "routine", [], "can I talk to someone")
    timed_store.add_note(ticket.id, "left a voicemail")
    clock.advance(hours=1)
    timed_store.claim(ticket.id, "Dana")
    resolved = timed_store.resolve(ticket.id, "spoke to the patient")
    assert resolved.staff_notes.splitlines() == [
        "[2025-03-01 09:00 UTC] left a voicemail", "[2025-03-01 10:00 UTC] spoke to the patient",
    ]
    with pytest.raises(ValueError):
        timed_store.add_note(ticket.id, " ")


def test_list_open_orders_by_severity_then_age_and_skips_resolved(timed_store, clock):
    def create(severity, name):
        clock.advance(minutes=1)
        return timed_store.create_ticket(name, "rest", "side_effect", severity, [], name)

    old_routine = create("routine", "old-routine")
    old_urgent = create("urgent", "old-urgent")
    resolved_emergency = create("emergency", "resolved-emergency")
    new_routine = create("routine", "new-routine")
    emergency = create("emergency", "emergency")
    new_urgent = create("urgent", "new-urgent")
    timed_store.resolve(resolved_emergency.id, "done")
    timed_store.claim(old_urgent.id, "Dana")
    listed = timed_store.list_open()
    assert [t.id for t in listed] == [emergency.id, old_urgent.id, new_urgent.id, old_routine.id, new_routine.id]
    assert listed[1].status is Status.claimed


def test_findings_round_trip(new_ticket, store):
    findings = [*FINDINGS, {"term": "œdème", "category": "symptom", "modifiers": ["négation?"]}]
    ticket = new_ticket(findings=findings)
    fetched = store.get(ticket.id)
    assert fetched.findings_as_dicts() == findings
    assert fetched.findings[0] == Finding("swelling", "symptom", ("severe", "spreading"))
    assert new_ticket(findings=[Finding("bruising", "symptom")]).findings_as_dicts() == [
        {"term": "bruising", "category": "symptom", "modifiers": []}
    ]


@pytest.mark.parametrize("bad", [
    [{"term": "", "category": "symptom"}],
    [{"term": "x"}],
    [{"term": "x", "category": "y", "modifiers": "severe"}],
    ["swelling"],
])
def test_malformed_findings_are_refused(new_ticket, store, bad):
    with pytest.raises(ValueError, match="finding 0"):
        new_ticket(findings=bad)
    assert store.list_open() == []


def test_unknown_reason_or_severity_is_refused(new_ticket):
    with pytest.raises(ValueError):
        new_ticket(reason="bored")
    with pytest.raises(ValueError):
        new_ticket(severity="meh")


def test_times_are_timezone_aware_utc(new_ticket, store):
    ticket = store.get(new_ticket().id)
    assert ticket.created_at.tzinfo == timezone.utc
    assert abs(datetime.now(timezone.utc) - ticket.created_at) < timedelta(minutes=1)


def test_open_ticket_for_is_the_newest_unresolved_one(new_ticket, store):
    first = new_ticket(conversation_id="a")
    second = new_ticket(conversation_id="a")
    new_ticket(conversation_id="b")
    assert store.open_ticket_for("a").id == second.id
    store.resolve(second.id, "done")
    assert store.open_ticket_for("a").id == first.id
    store.resolve(first.id, "done")
    assert store.open_ticket_for("a") is None and store.open_ticket_for("nobody") is None


def test_record_notification_counts_attempts_and_feeds_pending(new_ticket, store):
    sent, failed, unconfigured, resolved = (new_ticket() for _ in range(4))
    store.record_notification(failed.id, NotificationStatus.failed, "HTTP 500")
    store.record_notification(failed.id, "failed", "HTTP 502")
    store.record_notification(sent.id, "failed", "timeout")
    store.record_notification(sent.id, NotificationStatus.sent, None)
    store.record_notification(unconfigured.id, NotificationStatus.not_configured, "no webhook")
    store.resolve(resolved.id, "done")
    assert [t.id for t in store.pending_notifications()] == [failed.id]
    failed_view, sent_view = store.get(failed.id), store.get(sent.id)
    assert failed_view.notification_attempts == 2 and failed_view.notification_error == "HTTP 502"
    assert sent_view.notification_status is NotificationStatus.sent and sent_view.notification_error is None
    with pytest.raises(TicketNotFound):
        store.record_notification(99, "sent", None)


def test_delete_conversation_erases_its_tickets_and_notifications(new_ticket, store):
    keep = new_ticket(conversation_id="keep")
    for _ in range(2):
        new_ticket(conversation_id="erase")
    assert store.delete_conversation("erase") == 2
    assert store.delete_conversation("erase") == 0
    assert [t.id for t in store.list_open()] == [keep.id]
    with store.engine.connect() as connection:
        assert connection.exec_driver_sql("select count(*) from notifications").scalar() == 1


def test_purge_resolved_before_keeps_recent_and_unresolved(timed_store, clock):
    old = timed_store.create_ticket("a", "rest", "side_effect", "urgent", [], "old")
    timed_store.resolve(old.id, "done")
    clock.advance(days=40)
    recent = timed_store.create_ticket("b", "rest", "side_effect", "urgent", [], "recent")
    timed_store.resolve(recent.id, "done")
    still_open = timed_store.create_ticket("c", "rest", "side_effect", "urgent", [], "open")
    cutoff = clock.now - timedelta(days=30)
    assert timed_store.purge_resolved_before(cutoff) == 1
    assert timed_store.get(old.id) is None and timed_store.get(recent.id) and timed_store.get(still_open.id)
    with pytest.raises(ValueError, match="timezone-aware"):
        timed_store.purge_resolved_before(datetime(2025, 1, 1))


def test_cutoff_in_another_time_zone_is_compared_in_utc(timed_store, clock):
    ticket = timed_store.create_ticket("a", "rest", "side_effect", "urgent", [], "x")
    timed_store.resolve(ticket.id, "done")  # resolved 09:00 UTC
    paris = timezone(timedelta(hours=1))
    assert timed_store.purge_resolved_before(datetime(2025, 3, 1, 9, 59, tzinfo=paris)) == 0  # 08:59 UTC
    assert timed_store.purge_resolved_before(datetime(2025, 3, 1, 10, 1, tzinfo=paris)) == 1  # 09:01 UTC


def test_default_database_url():
    assert default_database_url({}) == f"sqlite:///{REPO / 'var' / 'handoff.db'}"
    assert default_database_url({"HANDOFF_DATABASE_URL": "postgresql://db/handoff"}) == "postgresql://db/handoff"
    assert (REPO / "bot" / "handoff").is_dir()


def test_a_view_is_a_frozen_snapshot(new_ticket, store):
    ticket = new_ticket()
    with pytest.raises(AttributeError):
        ticket.status = Status.resolved
    store.claim(ticket.id, "Dana")
    assert ticket.status is Status.open


def test_database_url_is_shared_unless_overridden():
    shared = {"DATABASE_URL": "postgresql://db/clinic"}
    assert default_database_url(shared) == "postgresql://db/clinic"
    assert default_database_url({**shared, "HANDOFF_DATABASE_URL": "sqlite:///t.db"}) == "sqlite:///t.db"


def test_database_errors_do_not_carry_the_patients_words(store):
    with pytest.raises(sa.exc.DBAPIError) as failure, store.engine.connect() as connection:
        connection.execute(sa.text("insert into no_such_table values (:text)"), {"text": "my face is swollen"})
    assert "no_such_table" in str(failure.value) and "swollen" not in str(failure.value)
