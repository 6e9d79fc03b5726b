"""Typed button payloads: a button's payload is a frozen dataclass, not a string to split.

    @dataclass(frozen=True)
    class JoinCall(ButtonData, prefix="call:join"):
        call_id: int

    Button(t("calls.join"), JoinCall(12).encode())   # "call:join:12"
    router.button(JoinCall)(join_pressed)             # join_pressed(JoinCall(12), ctx)

The router parses a press once, into the registered type, with :meth:`ButtonData.decode`;
handlers receive the typed value and never split strings (python-telegram-bot routes callback
data by pattern the same way). A payload that does not parse, because it is old, forged or out
of range, matches no route, and the person is told the button no longer works.

Fields may be ``int`` (a row id or a count: ASCII digits, ``0 … 2³¹−1``), ``float`` (up to
three decimals), ``bool`` ("yes"/"no"), ``str`` (only as the last field: it takes the rest,
colons included), ``Literal[...]`` of strings, and ``int | None`` or ``float | None`` ("-" is
None). The encoded form is the prefix and the fields joined by ":", the same strings Vonk has
always put under its messages, so buttons sent before still work.
"""

from __future__ import annotations

import inspect
import typing
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar, Literal, Self, get_args, get_origin

from bot.numbers import parse_decimal, parse_int

NONE = "-"
MAX_DECIMAL = 1_000_000.0


@dataclass(frozen=True)
class _Field:
    name: str
    parse: Callable[[str], Any]  # the value, or _BAD
    render: Callable[[Any], str]
    free_text: bool = False


_BAD = object()


def _int(text: str) -> Any:
    value = parse_int(text)
    return _BAD if value is None else value


def _float(text: str) -> Any:
    value = parse_decimal(text, high=MAX_DECIMAL)
    return _BAD if value is None else value


def _bool(text: str) -> Any:
    return {"yes": True, "no": False}.get(text, _BAD)


def _render_float(value: float) -> str:
    return f"{value:g}"


def _optional(parse: Callable[[str], Any], render: Callable[[Any], str]) -> tuple[Any, Any]:
    return (
        lambda text: None if text == NONE else parse(text),
        lambda value: NONE if value is None else render(value),
    )


def _field(name: str, annotation: Any) -> _Field:
    """How one field is read and written, from its type annotation."""
    kinds: dict[Any, tuple[Callable[[str], Any], Callable[[Any], str]]] = {
        int: (_int, str),
        float: (_float, _render_float),
        bool: (_bool, lambda v: "yes" if v else "no"),
    }
    if annotation in kinds:
        return _Field(name, *kinds[annotation])
    if annotation is str:
        return _Field(name, lambda text: text, str, free_text=True)
    if get_origin(annotation) is Literal:
        choices = get_args(annotation)
        if not all(isinstance(c, str) and c and ":" not in c for c in choices):
            raise TypeError(f"{name}: Literal choices must be strings without ':'")
        return _Field(name, lambda text: text if text in choices else _BAD, str)
    args = set(get_args(annotation))
    if type(None) in args and len(args) == 2:
        (inner,) = args - {type(None)}
        if inner in (int, float):
            return _Field(name, *_optional(*kinds[inner]))
    raise TypeError(f"button field {name}: {annotation!r} is not supported")


class ButtonData:
    """Base of every typed payload; subclasses name their ``prefix`` and are frozen
    dataclasses (see the module docstring)."""

    prefix: ClassVar[str] = ""
    _fields: ClassVar[tuple[_Field, ...]] = ()

    def __init_subclass__(cls, *, prefix: str, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if not prefix or any(not part for part in prefix.split(":")):
            raise TypeError(f"{cls.__name__}: a prefix like 'call:join' is needed")
        cls.prefix = prefix
        hints = typing.get_type_hints(cls)  # each class's annotations in its own module
        own = [n for n in inspect.get_annotations(cls) if n in hints]
        fields = tuple(_field(n, hints[n]) for n in own if get_origin(hints[n]) is not ClassVar)
        if any(f.free_text for f in fields[:-1]):
            raise TypeError(f"{cls.__name__}: only the last field may be free text (str)")
        cls._fields = fields

    def encode(self) -> str:
        """The payload string put under a message."""
        parts = [self.prefix]
        for field in self._fields:
            text = field.render(getattr(self, field.name))
            if not field.free_text and (":" in text or field.parse(text) is _BAD):
                raise ValueError(f"{type(self).__name__}.{field.name}={text!r} cannot be sent")
            parts.append(text)
        return ":".join(parts)

    @classmethod
    def starting_with(cls, *leading: Any) -> str:
        """The start every payload of this type with these first fields has, up to and with
        the ':' before the next field: ``AskContact.starting_with(5)`` is 'ask:contact:5:'.
        For finding stored payloads (forgetting a member removes the buttons about them)."""
        if len(leading) >= len(cls._fields):
            raise ValueError(f"{cls.__name__}: leave at least the last field out")
        parts = [cls.prefix] + [f.render(v) for f, v in zip(cls._fields, leading, strict=False)]
        return ":".join(parts) + ":"

    @classmethod
    def decode(cls, rest: str | None) -> Self | None:
        """The value from what follows the prefix (None: nothing followed it); None when it
        does not parse: a missing or extra field, a number out of range, an unknown choice."""
        if not cls._fields:
            return cls() if rest is None else None
        if rest is None:
            return None
        texts = rest.split(":", len(cls._fields) - 1)
        if len(texts) != len(cls._fields):
            return None
        values = {}
        for field, text in zip(cls._fields, texts, strict=True):
            value = field.parse(text)
            if value is _BAD:
                return None
            values[field.name] = value
        return cls(**values)


def split_prefix(payload: str, prefixes: typing.Container[str]) -> tuple[str, str | None] | None:
    """The longest known prefix of ``payload`` and the rest after its ':' (None when nothing
    follows); None when no prefix is known."""
    parts = payload.split(":")
    for n in range(len(parts), 0, -1):
        prefix = ":".join(parts[:n])
        if prefix in prefixes:
            rest = payload[len(prefix) + 1 :] if n < len(parts) else None
            return prefix, rest
    return None
