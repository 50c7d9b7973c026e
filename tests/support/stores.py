"""Handoff databases for tests. Migrating is a process start-up's job (bot/handoff/migrate.py), so
a test that opens a fresh database does what start-up would do first."""

from bot.handoff import TicketStore, upgrade_database


def migrated(url: str) -> str:
    upgrade_database(url)
    return url


def migrated_store(url: str) -> TicketStore:
    return TicketStore(migrated(url))
