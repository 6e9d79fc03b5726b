"""The send limiter forgets what no longer counts: a bot that only answers stays small."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.ratelimit import RateLimiter, RateLimits

T0 = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)


def test_old_sends_and_idle_chats_are_forgotten() -> None:
    limiter = RateLimiter()
    for i in range(5000):  # an hour of answers, each to a new chat, never asking `wait`
        limiter.record("telegram", f"chat{i}", T0 + timedelta(seconds=i * 0.72))
    assert len(limiter._overall["telegram"]) <= 84  # the last minute's sends
    assert len(limiter._per_chat) < 2100  # idle chats swept as their number doubles


def test_limits_still_hold_after_forgetting() -> None:
    limiter = RateLimiter()
    limits = RateLimits(per_second=2, per_chat_per_minute=3)
    for s in range(3):
        limiter.record("telegram", "a", T0 + timedelta(seconds=s))
    assert limiter.wait("telegram", "a", limits, T0 + timedelta(seconds=3)) == timedelta(seconds=57)
    assert limiter.wait("telegram", "b", limits, T0 + timedelta(seconds=3)) == timedelta(0)
    later = T0 + timedelta(minutes=2)
    limiter.record("telegram", "c", later)
    assert limiter.wait("telegram", "a", limits, later) == timedelta(0)
