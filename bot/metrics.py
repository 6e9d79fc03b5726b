"""Prometheus metrics: the few numbers an operator watches, defined once here.

The code that does the work records into these objects with one line (App: messages in and
handler latency; Outbox: messages out and nudges; Search: ask latency through a hook the
runtime sets); ``/metrics`` (bot/ops.py) renders them. They live in a registry of their own,
so tests and embedding code never collide with prometheus-client's global default registry.
Counters are per process: with several Vonk processes, Prometheus sums them.
"""

from __future__ import annotations

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    PlatformCollector,
    ProcessCollector,
    generate_latest,
)

REGISTRY = CollectorRegistry(auto_describe=True)
ProcessCollector(registry=REGISTRY)  # memory, CPU, open files: the usual process_* series
PlatformCollector(registry=REGISTRY)

#: Outbox statuses always reported, so a dashboard sees 0 rather than a missing series.
OUTBOX_STATUSES = ("pending", "sending", "sent", "failed")

MESSAGES_IN = Counter(
    "vonk_messages_in",
    "Events handled (a redelivered update counts once), by platform and kind.",
    ["platform", "kind"],
    registry=REGISTRY,
)
MESSAGES_OUT = Counter(
    "vonk_messages_out",
    "Messages delivered to a chat, by platform and kind (reply, message, nudge, call, ...).",
    ["platform", "kind"],
    registry=REGISTRY,
)
NUDGES_SENT = Counter(
    "vonk_nudges_sent", "Reminders and suggestions delivered to members.", registry=REGISTRY
)
HANDLER_SECONDS = Histogram(
    "vonk_handler_seconds",
    "Time a handler took, by route kind (command, button, flow, phrase, fallback).",
    ["route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
    registry=REGISTRY,
)
HANDLER_ERRORS = Counter(
    "vonk_handler_errors",
    "Handlers that failed unexpectedly (the person got an apology), by route kind.",
    ["route"],
    registry=REGISTRY,
)
SEARCH_SECONDS = Histogram(
    "vonk_search_seconds",
    "Time to answer one 'who can help with ...?' question (embedding and ranking).",
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5),
    registry=REGISTRY,
)
OUTBOX_MESSAGES = Gauge(
    "vonk_outbox_messages",
    "Messages in the outbox by status (pending + sending is the queue depth); read from the "
    "database on every scrape, so it covers every process.",
    ["status"],
    registry=REGISTRY,
)


def record_outbox_counts(counts: dict[str, int]) -> None:
    """Set the outbox gauge from ``storage.outbox.counts()`` (called on each scrape)."""
    for status in {*OUTBOX_STATUSES, *counts}:
        OUTBOX_MESSAGES.labels(status).set(counts.get(status, 0))


def render() -> bytes:
    """The registry in Prometheus' text format."""
    return generate_latest(REGISTRY)
