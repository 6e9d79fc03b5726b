"""The message limiter forgets idle people without a sweep per message."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.limits import SWEEP_AFTER, MessageLimiter, Verdict

NOW = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)


def test_many_active_people_do_not_make_every_message_sweep_and_idle_ones_are_forgotten() -> None:
    limiter = MessageLimiter(2)
    sweeps = 0
    sweep = limiter.forget_idle

    def counted(now: datetime) -> None:
        nonlocal sweeps
        sweeps += 1
        sweep(now)

    limiter.forget_idle = counted  # type: ignore[method-assign]
    people = 3 * SWEEP_AFTER
    for i in range(people):  # all active within one window
        assert limiter.check(i, NOW + timedelta(milliseconds=i)) is Verdict.ALLOW
    assert sweeps <= 2
    later = NOW + timedelta(minutes=5)  # everyone idle now: the next sweep forgets them
    before, newcomer = sweeps, people
    while sweeps == before:
        limiter.check(newcomer, later)
        newcomer += 1
    assert not any(i in limiter._seen for i in range(people))
    assert limiter.check(0, later) is Verdict.ALLOW
    assert limiter.check(0, later) is Verdict.ALLOW
    assert limiter.check(0, later) is Verdict.REFUSE_AND_TELL
    assert limiter.check(0, later) is Verdict.REFUSE_QUIETLY
