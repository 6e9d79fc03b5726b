"""Natural dates in chat text: Dutch first, English too, always in the future of ``now``."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.when import InvalidWhen, When, find_when, format_when, parse_when

TZ = ZoneInfo("Europe/Amsterdam")
# Tuesday 24 November 2026, noon: a fixed clock so every expectation is exact.
NOW = datetime(2026, 11, 24, 12, 0, tzinfo=TZ)


def when(text: str, now: datetime = NOW, **kwargs: object) -> When:
    result = find_when(text, now=now, tz=TZ, **kwargs)  # type: ignore[arg-type]
    assert result is not None, text
    return result


def at(y: int, mo: int, d: int, h: int = 0, mi: int = 0) -> datetime:
    return datetime(y, mo, d, h, mi, tzinfo=TZ)


@pytest.mark.parametrize(
    ("text", "expected", "has_time"),
    [
        ("morgen 14:00", at(2026, 11, 25, 14), True),
        ("over twee weken", at(2026, 12, 8), False),
        ("over 3 dagen", at(2026, 11, 27), False),
        ("over een week", at(2026, 12, 1), False),
        ("15 december", at(2026, 12, 15), False),
        ("15 maart", at(2027, 3, 15), False),  # already past this year: next year
        ("15-12", at(2026, 12, 15), False),
        ("15/12 om 19.30", at(2026, 12, 15, 19, 30), True),
        ("volgende week woensdag", at(2026, 12, 2), False),
        ("woensdag volgende week", at(2026, 12, 2), False),
        ("vanavond", at(2026, 11, 24, 19), True),
        ("overmorgen", at(2026, 11, 26), False),
        ("maandagochtend", at(2026, 11, 30, 9), True),
        ("zaterdagavond 8 uur", at(2026, 11, 28, 20), True),
        ("om 3 uur", at(2026, 11, 24, 15), True),  # bare 1..6 o'clock means afternoon
        ("14:00", at(2026, 11, 24, 14), True),
        ("10:00", at(2026, 11, 25, 10), True),  # time alone, already past: tomorrow
        ("zaterdag 28 november om 10u", at(2026, 11, 28, 10), True),
        ("zaterdag 10-12 uur", at(2026, 11, 28, 10), True),  # a range: its start
        ("za 10:00", at(2026, 11, 28, 10), True),
        ("2026-12-15", at(2026, 12, 15), False),
        ("29 februari", at(2028, 2, 29), False),  # next leap year
        ("dit weekend", at(2026, 11, 28), False),
        ("komend weekend", at(2026, 11, 28), False),
        ("volgend weekend", at(2026, 12, 5), False),  # the Saturday of next week
        ("next weekend", at(2026, 12, 5), False),
        ("eind deze maand", at(2026, 11, 30), False),
        ("end of the month", at(2026, 11, 30), False),
        # A month named alone is the whole month: its last day (a pledge's deadline).
        ("in januari", at(2027, 1, 31), False),
        ("eind maart", at(2027, 3, 31), False),
        ("by the end of May", at(2027, 5, 31), False),
        ("in november", at(2026, 11, 30), False),
        ("15 januari", at(2027, 1, 15), False),
        # Fixed feast days: "na de kerst" is after Boxing Day, "voor de kerst" the day before.
        ("na de kerst", at(2026, 12, 27), False),
        ("after Christmas", at(2026, 12, 27), False),
        ("voor de kerst", at(2026, 12, 24), False),
        ("op tweede kerstdag 14:00", at(2026, 12, 26, 14), True),
        ("met oud en nieuw", at(2026, 12, 31), False),
        ("koningsdag", at(2027, 4, 27), False),  # past this year: next year's
        ("volgende week", at(2026, 11, 30), False),  # Monday of next week
        ("over 2 uur", at(2026, 11, 24, 14), True),
    ],
)
def test_dutch_examples(text: str, expected: datetime, has_time: bool) -> None:
    result = when(text)
    assert result.at == expected
    assert result.has_time is has_time
    assert result.at.tzinfo is not None


@pytest.mark.parametrize(
    ("text", "expected", "has_time"),
    [
        ("saturday 10am", at(2026, 11, 28, 10), True),
        ("tomorrow 2pm", at(2026, 11, 25, 14), True),
        ("in two weeks", at(2026, 12, 8), False),
        ("december 15", at(2026, 12, 15), False),
        ("next friday", at(2026, 11, 27), False),
        ("friday next week", at(2026, 12, 4), False),
        ("Dec 15 at 7pm", at(2026, 12, 15, 19), True),
        ("tomorrow morning", at(2026, 11, 25, 9), True),
        ("saturday evening", at(2026, 11, 28, 19), True),
        ("tonight", at(2026, 11, 24, 19), True),
        ("in half an hour", at(2026, 11, 24, 12, 30), True),
    ],
)
def test_english_examples(text: str, expected: datetime, has_time: bool) -> None:
    result = when(text)
    assert (result.at, result.has_time) == (expected, has_time)


def test_oproep_keeps_location_and_headcount_out_of_the_date() -> None:
    result = when("/oproep Opruimen speelveld zaterdag 10:00 #Oost 5 mensen")
    assert result.at == at(2026, 11, 28, 10)
    assert result.has_time
    assert result.matched == "zaterdag 10:00"
    assert result.rest == "Opruimen speelveld #Oost 5 mensen"


def test_doe_with_day_only() -> None:
    result = when("/doe flyers rondbrengen vrijdag")
    assert (result.at, result.has_time) == (at(2026, 11, 27), False)
    assert result.matched == "vrijdag"
    assert result.rest == "flyers rondbrengen"


def test_date_in_the_middle_of_a_sentence() -> None:
    result = when("ik ga vrijdag de flyers rondbrengen")
    assert result.at == at(2026, 11, 27)
    assert result.rest == "ik ga de flyers rondbrengen"


def test_deadline_preposition_is_part_of_the_match() -> None:
    result = when("flyers rondbrengen voor vrijdag")
    assert result.matched == "voor vrijdag"
    assert result.rest == "flyers rondbrengen"


def test_matched_keeps_original_casing() -> None:
    assert when("Zaterdag 10:00 Opruimen").matched == "Zaterdag 10:00"


class TestSameWeekdayRule:
    """On the named weekday itself: today only if a time is given that is still ahead."""

    def test_later_time_today(self) -> None:
        assert when("dinsdag 18:00").at == at(2026, 11, 24, 18)

    def test_earlier_time_means_next_week(self) -> None:
        assert when("dinsdag 11:00").at == at(2026, 12, 1, 11)

    def test_no_time_means_next_week(self) -> None:
        assert when("dinsdag").at == at(2026, 12, 1)

    def test_volgende_is_never_today(self) -> None:
        assert when("volgende dinsdag 18:00").at == at(2026, 12, 1, 18)

    def test_deze_allows_today(self) -> None:
        assert when("deze dinsdag").at == at(2026, 11, 24)


class TestDst:
    def test_after_autumn_change_is_winter_time(self) -> None:
        october = datetime(2026, 10, 20, 12, 0, tzinfo=TZ)  # still summer time (UTC+2)
        result = when("volgende week woensdag 10:00", now=october)
        assert result.at == at(2026, 10, 28, 10)
        assert result.at.utcoffset() == timedelta(hours=1)
        assert result.at.hour == 10  # wall clock kept, not shifted by the offset change

    def test_after_spring_change_is_summer_time(self) -> None:
        result = when("30 maart 10:00")
        assert result.at == at(2027, 3, 30, 10)
        assert result.at.utcoffset() == timedelta(hours=2)

    def test_nonexistent_time_moves_forward(self) -> None:
        result = when("28 maart 2027 02:30")
        assert (result.at.hour, result.at.minute) == (3, 30)
        assert result.at.utcoffset() == timedelta(hours=2)

    def test_relative_hours_are_real_elapsed_time(self) -> None:
        before_change = datetime(2027, 3, 28, 1, 30, tzinfo=TZ)
        result = when("over 2 uur", now=before_change)
        utc = ZoneInfo("UTC")
        # Same-tzinfo subtraction is wall-clock; compare real instants in UTC.
        assert result.at.astimezone(utc) - before_change.astimezone(utc) == timedelta(hours=2)
        assert (result.at.hour, result.at.minute) == (4, 30)

    def test_days_across_the_change_keep_the_wall_clock(self) -> None:
        saturday = datetime(2026, 10, 24, 12, 0, tzinfo=TZ)
        assert when("maandag 19:00", now=saturday).at == at(2026, 10, 26, 19)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "blabla",
        "32 december",
        "31 april",
        "ik kom mee",  # dateparser would read 'mee' as 'mei' in some versions
        "we zijn met 12 man",  # dateparser reads 'we' as a date
        "nu even niet",  # dateparser reads 'nu' as now
        "mei",  # a bare month: no day to invent
        "stand was 3-2",  # a score, not 3 February
        "zo kan het ook",  # 'zo' alone is not Sunday
        "5 mensen #Oost",
    ],
)
def test_no_date(text: str) -> None:
    assert find_when(text, now=NOW, tz=TZ) is None


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("32 december", "no_such_date"),
        ("31 april", "no_such_date"),
        ("31-04", "no_such_date"),
        ("29 februari 2027", "no_such_date"),
        ("vandaag 10:00", "past"),
        ("1 maart 2020", "past"),
        ("vrijdag 28 november", "weekday_mismatch"),  # 28 November 2026 is a Saturday
    ],
)
def test_invalid_dates_are_signalled(text: str, reason: str) -> None:
    result = parse_when(text, now=NOW, tz=TZ)
    assert isinstance(result, InvalidWhen)
    assert result.reason == reason
    assert find_when(text, now=NOW, tz=TZ) is None


def test_hours_as_duration_are_not_a_clock_time() -> None:
    result = when("Met twee uur flyers rondbrengen op zaterdagochtend help je enorm")
    assert result.matched == "op zaterdagochtend"
    assert result.at == at(2026, 11, 28, 9)
    assert find_when("ik kan 3 uur helpen", now=NOW, tz=TZ) is None


def test_numbers_that_are_not_dates_stay_in_rest() -> None:
    result = when("ik betaal €19.30 morgen voor 12 stoelen")
    assert result.matched == "morgen"
    assert result.rest == "ik betaal €19.30 voor 12 stoelen"


def test_result_is_never_in_the_past() -> None:
    texts = ["maandag", "dinsdag 09:00", "15 november", "24 november", "morgen", "10:00"]
    for text in texts:
        assert when(text).at.date() >= NOW.date(), text
        result = when(text)
        if result.has_time:
            assert result.at > NOW, text


def test_language_restriction() -> None:
    assert find_when("tomorrow 2pm", now=NOW, tz=TZ, languages=("nl",)) is None
    assert when("morgen 14:00", languages=("nl",)).at == at(2026, 11, 25, 14)


def test_naive_now_is_rejected() -> None:
    with pytest.raises(ValueError):
        find_when("morgen", now=datetime(2026, 11, 24, 12), tz=TZ)


def test_now_in_other_timezone_is_converted() -> None:
    utc_now = NOW.astimezone(ZoneInfo("UTC"))
    assert when("morgen 14:00", now=utc_now).at == at(2026, 11, 25, 14)


def test_dateparser_fallback_for_vocabulary_we_do_not_handle() -> None:
    result = when("in 1 year")
    assert result.at.date() == at(2027, 11, 24).date()
    assert result.has_time is False


@pytest.mark.parametrize(
    ("text", "hour", "minute"),
    [
        ("half vier", 15, 30),  # Dutch: half an hour *before* four, in the afternoon
        ("om half vier", 15, 30),
        ("half 11", 10, 30),
        ("half twaalf", 11, 30),
        ("kwart voor negen", 8, 45),
        ("kwart over 10", 10, 15),
        ("half past six", 18, 30),  # English: half an hour *after* six
        ("a quarter to nine", 8, 45),
        ("quarter past seven", 7, 15),
    ],
)
def test_half_and_quarter_hours(text: str, hour: int, minute: int) -> None:
    result = parse_when(f"zaterdag {text}", now=NOW, tz=TZ)
    assert isinstance(result, When), text
    assert (result.at.date(), result.at.hour, result.at.minute) == (
        at(2026, 11, 28).date(), hour, minute,
    )  # fmt: skip
    assert result.has_time and result.rest == ""  # the words leave the title


def test_half_hours_leave_the_title_and_take_a_part_of_the_day() -> None:
    result = parse_when("Soep koken zaterdagavond half acht", now=NOW, tz=TZ)
    assert isinstance(result, When)
    assert (result.at.hour, result.at.minute, result.rest) == (19, 30, "Soep koken")


def test_a_half_hour_alone_is_today_if_still_ahead() -> None:
    result = parse_when("half vier", now=NOW, tz=TZ)  # Tuesday 12:00
    assert isinstance(result, When) and result.at == at(2026, 11, 24, 15, 30)


@pytest.mark.parametrize(
    "text",
    ["binnenkort", "over een tijdje", "ergens volgende maand", "volgende maand", "zsm",
     "some time soon", "soon", "one of these days", "next month"],
)  # fmt: skip
def test_vague_dates_are_asked_back_never_guessed(text: str) -> None:
    result = parse_when(f"Bankjes verven {text}", now=NOW, tz=TZ)
    assert isinstance(result, InvalidWhen) and result.reason == "vague", text


@pytest.mark.parametrize("text", ["gisteren", "eergisteren", "yesterday", "vorige week"])
def test_days_that_are_over_are_past(text: str) -> None:
    result = parse_when(text, now=NOW, tz=TZ)
    assert isinstance(result, InvalidWhen) and result.reason == "past", text


def test_a_vague_word_beside_a_real_date_does_not_hide_it() -> None:
    result = parse_when("binnenkort, zaterdag 10:00", now=NOW, tz=TZ)
    assert isinstance(result, When) and result.at == at(2026, 11, 28, 10)


class TestFormat:
    def test_dutch(self) -> None:
        assert format_when(at(2026, 11, 28, 10), language="nl") == "zaterdag 28 november om 10:00"

    def test_english(self) -> None:
        text = format_when(at(2026, 11, 28, 10), language="en")
        assert text == "Saturday 28 November at 10:00"

    def test_without_time(self) -> None:
        text = format_when(at(2026, 11, 27), language="nl", with_time=False)
        assert text == "vrijdag 27 november"

    def test_year_only_when_it_differs(self) -> None:
        text = format_when(at(2027, 3, 15), language="nl", with_time=False, now=NOW)
        assert text == "maandag 15 maart 2027"

    def test_unknown_language(self) -> None:
        with pytest.raises(ValueError):
            format_when(NOW, language="fr")


def test_a_feast_day_named_as_the_subject_yields_to_a_date() -> None:
    """In "Kerst pakketten rondbrengen 20 december" the packages are for Christmas and the
    date is the 20th."""
    result = when("/oproep Kerst pakketten rondbrengen 20 december 10:00")
    assert result.at == at(2026, 12, 20, 10)
    assert "Kerst pakketten rondbrengen" in result.rest
    assert when("sinterklaas intocht helpen zaterdag").at == at(2026, 11, 28)


@pytest.mark.parametrize(
    ("text", "expected", "has_time"),
    [
        ("saturday the 28th", at(2026, 11, 28), False),
        ("on the 26th", at(2026, 11, 26), False),
        ("the 3rd at 10", at(2026, 12, 3, 10), True),
        ("friday 4th", at(2026, 12, 4), False),
        ("zaterdag de 28e", at(2026, 11, 28), False),
        ("op de 2e om 14 uur", at(2026, 12, 2, 14), True),
        ("vrijdag 4de", at(2026, 12, 4), False),
        ("de 24e", at(2026, 11, 24), False),  # said on the 24th: today, as "24 november" is
        ("monday the 28th", at(2026, 12, 28), False),  # the next 28th that is a Monday
        ("the 26th of december", at(2026, 12, 26), False),
    ],
)
def test_a_day_of_the_month_without_the_month(
    text: str, expected: datetime, has_time: bool
) -> None:
    """ "saturday the 26th" was read as the coming Saturday, "the 26th" not at all."""
    found = when(text)
    assert (found.at, found.has_time) == (expected, has_time)


@pytest.mark.parametrize(
    "text", ["the 3rd floor", "for the 2nd time", "de 2e keer", "the 2 of us", "bring the 5 chairs"]
)
def test_an_ordinal_of_something_else_is_no_day(text: str) -> None:
    assert find_when(text, now=NOW, tz=TZ) is None
