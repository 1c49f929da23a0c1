"""What a step returns: prompts, inputs, menus, recordings, transfers and call control.

Every component is a small frozen dataclass checked when it is built, so a mistake in a flow
(an unknown property, a negative timeout, a menu without choices) fails in the step that made
it with one clear message, not in the voice browser. A step returns one component or a list of
them; the list becomes one VoiceXML document (see :mod:`vxmlkit.documents`).
"""

from __future__ import annotations

import datetime as _dt
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Union

from .answers import PartialDate

__all__ = [
    "Component",
    "Say",
    "SayAs",
    "Audio",
    "Pause",
    "Money",
    "Grammar",
    "Ask",
    "Menu",
    "Choice",
    "Record",
    "Transfer",
    "Goto",
    "Hangup",
    "Properties",
    "AnsweringMachine",
    "Template",
    "say",
    "spell",
    "audio",
    "pause",
    "ask",
    "menu",
    "record",
    "transfer",
    "goto",
    "hangup",
    "properties",
    "answering_machine",
    "template",
    "digits",
    "number",
    "boolean",
    "currency",
    "date",
    "phone",
    "time",
    "srgs",
    "step_name",
]

#: A step given by name or as the (bound) step method itself.
StepRef = Union[str, Callable[..., Any]]


def step_name(ref: StepRef) -> str:
    """The name of the step ``ref`` points at (a name, or a step method)."""
    if isinstance(ref, str):
        if not ref.isidentifier():
            raise ValueError(f"step name {ref!r} is not a Python identifier")
        return ref
    name = getattr(ref, "__name__", None)
    if not name or not getattr(getattr(ref, "__func__", ref), "_vxmlkit_step", None):
        raise TypeError(f"{ref!r} is not a step: decorate the method with @step or pass the step's name")
    return str(name)


def _optional_step(ref: StepRef | None) -> str | None:
    return None if ref is None else step_name(ref)


_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|s)\s*$")


def _duration(value: int | float | str | None, what: str) -> str | None:
    """A VoiceXML time designation from seconds (number) or ``"500ms"``/``"5s"``."""
    if value is None:
        return None
    if isinstance(value, bool):
        raise ValueError(f"{what} must be seconds or a time like '500ms', not {value!r}")
    if isinstance(value, (int, float)):
        if value < 0:
            raise ValueError(f"{what} must not be negative (got {value})")
        ms = round(value * 1000)
        return f"{ms // 1000}s" if ms % 1000 == 0 else f"{ms}ms"
    if isinstance(value, str) and _DURATION.match(value):
        return value.strip().replace(" ", "")
    raise ValueError(f"{what} must be seconds or a time like '500ms' or '5s', not {value!r}")


# --- prompt parts ---------------------------------------------------------------------------


@dataclass(frozen=True)
class SayAs:
    """Text read in a given way (SSML ``<say-as>``): a number, a date, a currency amount ..."""

    text: str
    interpret_as: str
    format: str | None = None


@dataclass(frozen=True)
class Money:
    """An amount of money, read as currency: ``Money("42.10")`` or ``Money(12, "EUR")``.

    A ``currency()`` answer is a Money too; its ``currency`` is None when the caller named no
    currency, and it is then read as a plain number.
    """

    amount: Decimal | int | float | str
    currency: str | None = "USD"

    def __post_init__(self) -> None:
        try:
            Decimal(str(self.amount))
        except Exception as exc:
            raise ValueError(f"Money amount {self.amount!r} is not a number") from exc
        if self.currency is not None and not (isinstance(self.currency, str) and re.fullmatch(r"[A-Z]{3}", self.currency)):
            raise ValueError(f"Money currency must be an ISO 4217 code like 'USD', not {self.currency!r}")

    def as_say_as(self) -> SayAs:
        amount = Decimal(str(self.amount)).quantize(Decimal("0.01"))
        if self.currency is None:
            return SayAs(str(amount), "number")
        symbol = _CURRENCY_SYMBOLS.get(self.currency)
        return SayAs(f"{symbol}{amount}" if symbol else f"{self.currency}{amount}", "currency")


# Written with its symbol, a currency amount reads naturally in a transcript ("$42.10");
# others keep the ISO code ("CHF12.00"), which say-as currency accepts as well.
_CURRENCY_SYMBOLS = {"USD": "$", "EUR": "€", "GBP": "£", "JPY": "¥"}


@dataclass(frozen=True)
class Audio:
    """An audio file, with the text to speak when it cannot be played."""

    src: str
    fallback: str | None = None

    def __post_init__(self) -> None:
        if not self.src or any(ch.isspace() for ch in self.src.strip()) or not self.src.strip():
            raise ValueError(f"audio src must be a URL without spaces, not {self.src!r}")


@dataclass(frozen=True)
class Pause:
    """Silence of a given length (SSML ``<break>``)."""

    time: str


PromptPart = Union[str, SayAs, Audio, Pause]


def _part(value: Any) -> PromptPart:
    """Turn one argument of :func:`say` into a prompt part, picking ``say-as`` for typed values."""
    if isinstance(value, (str, SayAs, Audio, Pause)):
        return value
    if isinstance(value, Money):
        return value.as_say_as()
    if isinstance(value, bool):
        raise TypeError("say() does not read booleans: pass the words to say")
    if isinstance(value, (int, Decimal)):
        return SayAs(str(value), "number")
    if isinstance(value, float):
        return SayAs(repr(value), "number")
    if isinstance(value, _dt.datetime):
        return SayAs(value.strftime("%Y-%m-%d %H:%M"), "date", "ymd")
    if isinstance(value, _dt.date):
        return SayAs(value.isoformat(), "date", "ymd")
    if isinstance(value, _dt.time):
        if getattr(value, "ambiguous", False):  # "three thirty": neither am nor pm was said
            return SayAs(f"{value.hour % 12 or 12}:{value.minute:02d}", "time", "hms12")
        return SayAs(value.strftime("%H:%M"), "time", "hms24")
    if isinstance(value, PartialDate):
        text, fmt = value.say_as()
        return SayAs(text, "date", fmt)
    raise TypeError(f"say() cannot read a {type(value).__name__}: pass text, a number, a date, a time, Money, audio() or pause()")


def _parts(values: Iterable[Any]) -> tuple[PromptPart, ...]:
    parts: list[PromptPart] = []
    for value in values:
        if isinstance(value, Say):
            parts.extend(value.parts)
        else:
            parts.append(_part(value))
    return tuple(parts)


# --- components -----------------------------------------------------------------------------


class Component:
    """Base of everything a step can return."""

    #: True when nothing may follow this component in the same document.
    terminal: bool = False
    #: The VoiceXML version this component needs.
    version: str = "2.0"


@dataclass(frozen=True)
class Say(Component):
    """Prompts to speak: text, typed values read with ``say-as``, audio and pauses."""

    parts: tuple[PromptPart, ...]
    bargein: bool | None = None


def say(*parts: Any, bargein: bool | None = None) -> Say:
    """Speak ``parts`` in order.

    Text is spoken as written (escaped, so markup in it is read, never interpreted); ints,
    floats and Decimals are read as numbers, dates and times as dates and times, :class:`Money`
    as currency; :func:`audio` and :func:`pause` may stand between them.
    """
    if not parts:
        raise ValueError("say() needs something to say")
    return Say(_parts(parts), bargein)


def spell(text: str) -> SayAs:
    """Read ``text`` character by character (a reference code, a confirmation number)."""
    return SayAs(str(text), "characters")


def audio(src: str, fallback: str | None = None) -> Audio:
    """Play the audio file at ``src``; speak ``fallback`` if it cannot be played."""
    return Audio(src, fallback)


def pause(duration: int | float | str) -> Pause:
    """Silence: seconds (``pause(0.5)``) or a time (``pause("500ms")``)."""
    text = _duration(duration, "pause")
    assert text is not None
    return Pause(text)


# --- grammars -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Grammar:
    """What an :func:`ask` accepts: a builtin type with parameters, or an SRGS grammar."""

    builtin: str | None = None
    parameters: tuple[tuple[str, str], ...] = ()
    srgs_src: str | None = None
    srgs_xml: str | None = None
    srgs_mode: str = "voice"

    def type_attribute(self) -> str | None:
        """The ``type`` attribute of ``<field>`` for a builtin, such as ``digits?minlength=4``."""
        if self.builtin is None:
            return None
        if not self.parameters:
            return self.builtin
        return self.builtin + "?" + ";".join(f"{k}={v}" for k, v in self.parameters)


def _length(value: int | None, what: str) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"{what} must be a positive whole number, not {value!r}")
    return str(value)


def digits(*, min: int | None = None, max: int | None = None, length: int | None = None) -> Grammar:  # noqa: A002
    """Digit strings (keys 0-9 or spoken digits): ``digits(min=15, max=16)``, ``digits(length=4)``."""
    if length is not None and (min is not None or max is not None):
        raise ValueError("digits(): give length, or min/max, not both")
    params = [("minlength", _length(min, "digits(min)")), ("maxlength", _length(max, "digits(max)")),
              ("length", _length(length, "digits(length)"))]
    if min is not None and max is not None and min > max:
        raise ValueError(f"digits(): min ({min}) is greater than max ({max})")
    return Grammar("digits", tuple((k, v) for k, v in params if v is not None))


def number() -> Grammar:
    """A number (``*`` is the decimal point on the keypad)."""
    return Grammar("number")


def boolean(*, yes: str | None = None, no: str | None = None) -> Grammar:
    """Yes or no: 1/2 on the keypad by default, or the keys given."""
    params = []
    for key, value in (("y", yes), ("n", no)):
        if value is not None:
            if not re.fullmatch(r"[0-9*#]", value):
                raise ValueError(f"boolean({'yes' if key == 'y' else 'no'}) must be one key 0-9, * or #, not {value!r}")
            params.append((key, value))
    if yes is not None and yes == no:
        raise ValueError("boolean(): yes and no must be different keys")
    return Grammar("boolean", tuple(params))


def currency() -> Grammar:
    """An amount of money."""
    return Grammar("currency")


def date() -> Grammar:
    """A date (keypad: yyyymmdd)."""
    return Grammar("date")


def phone() -> Grammar:
    """A telephone number (``*`` marks an extension on the keypad)."""
    return Grammar("phone")


def time() -> Grammar:
    """A time of day (keypad: hhmm)."""
    return Grammar("time")


def srgs(source: str, *, mode: str = "voice") -> Grammar:
    """An SRGS grammar: a URL (``srgs("grammars/yesno.grxml")``) or inline SRGS XML text."""
    if mode not in ("voice", "dtmf"):
        raise ValueError(f"srgs() mode must be 'voice' or 'dtmf', not {mode!r}")
    text = source.strip()
    if text.startswith("<"):
        from lxml import etree

        try:
            root = etree.fromstring(text.encode())
        except etree.XMLSyntaxError as exc:
            raise ValueError(f"srgs(): the grammar is not well-formed XML: {exc}") from exc
        if etree.QName(root).localname != "grammar":
            raise ValueError("srgs(): inline SRGS must have <grammar> as its root element")
        return Grammar(srgs_xml=text, srgs_mode=mode)
    if not text or any(ch.isspace() for ch in text):
        raise ValueError(f"srgs(): {source!r} is neither SRGS XML nor a URL")
    return Grammar(srgs_src=text, srgs_mode=mode)


# --- inputs ---------------------------------------------------------------------------------

Prompts = tuple[PromptPart, ...]


def _escalation(values: str | Say | Sequence[str | Say] | None) -> tuple[Prompts, ...]:
    if values is None:
        return ()
    if isinstance(values, (str, Say)):
        values = [values]
    return tuple(_parts([value]) for value in values)


def _tries(tries: int) -> int:
    if isinstance(tries, bool) or not isinstance(tries, int) or not 1 <= tries <= 10:
        raise ValueError(f"tries must be a whole number from 1 to 10, not {tries!r}")
    return tries


_INPUT_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,63}$")


def _input_name(name: str) -> str:
    if not isinstance(name, str) or not _INPUT_NAME.match(name) or name.startswith("vxmlkit_"):
        raise ValueError(
            f"input name {name!r} must start with a letter, hold only letters, digits and _ "
            "(at most 64) and not start with 'vxmlkit_'"
        )
    return name


@dataclass(frozen=True)
class Retry:
    """How an input reacts to silence and to input it does not understand."""

    noinput: tuple[Prompts, ...] = ()
    nomatch: tuple[Prompts, ...] = ()
    tries: int = 3
    on_failure: str | None = None


@dataclass(frozen=True)
class Ask(Component):
    """One field of input; the value is posted to ``then`` as a keyword argument named ``name``."""

    name: str
    grammar: Grammar
    prompt: Prompts
    then: str | None
    private: bool
    retry: Retry
    modes: tuple[str, ...]
    timeout: str | None
    interdigittimeout: str | None
    termchar: str | None

    @property
    def terminal(self) -> bool:  # type: ignore[override]
        return self.then is not None


def ask(
    name: str,
    grammar: Grammar,
    *prompt: Any,
    then: StepRef | None = None,
    private: bool = False,
    noinput: str | Say | Sequence[str | Say] | None = None,
    nomatch: str | Say | Sequence[str | Say] | None = None,
    tries: int = 3,
    on_failure: StepRef | None = None,
    modes: Sequence[str] = ("dtmf", "voice"),
    timeout: int | float | str | None = None,
    interdigittimeout: int | float | str | None = None,
    termchar: str | None = None,
) -> Ask:
    """Ask for one value, then post it to the step ``then``.

    ``noinput`` and ``nomatch`` are the prompts for the first, second ... silence or unrecognised
    answer (the last one repeats); after ``tries`` failed attempts in all, the call goes to
    ``on_failure`` (or says goodbye and hangs up). All of this runs inside the document, without
    a request per retry. ``private=True`` marks input that must never be logged. Several asks may
    share a document: only the last one has ``then``, and it receives all of their values.
    """
    if not isinstance(grammar, Grammar):
        raise TypeError(f"ask({name!r}): the second argument must be a grammar such as digits(), not {grammar!r}")
    modes = tuple(modes)
    if not modes or any(m not in ("dtmf", "voice") for m in modes):
        raise ValueError(f"ask({name!r}): modes must be 'dtmf' and/or 'voice', not {modes!r}")
    if termchar is not None and termchar not in ("", *"0123456789*#"):
        raise ValueError(f"ask({name!r}): termchar must be one key 0-9, * or #, or '' for none, not {termchar!r}")
    return Ask(
        name=_input_name(name),
        grammar=grammar,
        prompt=_parts(prompt),
        then=_optional_step(then),
        private=bool(private),
        retry=Retry(_escalation(noinput), _escalation(nomatch), _tries(tries), _optional_step(on_failure)),
        modes=modes,
        timeout=_duration(timeout, f"ask({name!r}) timeout"),
        interdigittimeout=_duration(interdigittimeout, f"ask({name!r}) interdigittimeout"),
        termchar=termchar,
    )


@dataclass(frozen=True)
class Choice:
    """One menu entry: a key and/or a phrase leading to a step."""

    step: str
    dtmf: str | None = None
    phrase: str | None = None


@dataclass(frozen=True)
class Menu(Component):
    """Choices (keys and/or phrases), each leading to a step."""

    prompt: Prompts
    choices: tuple[Choice, ...]
    retry: Retry
    terminal = True


_KEY = re.compile(r"^[0-9*#]$")


def menu(
    *prompt: Any,
    choices: Mapping[str | tuple[str, str], StepRef],
    noinput: str | Say | Sequence[str | Say] | None = None,
    nomatch: str | Say | Sequence[str | Say] | None = None,
    tries: int = 3,
    on_failure: StepRef | None = None,
) -> Menu:
    """A menu: ``choices={"1": self.pay, "2": self.repeat}``.

    A key of one character 0-9, * or # is a keypad choice; a longer key is a phrase to say; a
    ``("1", "pay now")`` pair is both.
    """
    if not choices:
        raise ValueError("menu() needs at least one choice")
    entries: list[Choice] = []
    keys: set[str] = set()
    phrases: set[str] = set()
    for key, target in choices.items():
        if isinstance(key, tuple):
            if len(key) != 2:
                raise ValueError(f"menu choice {key!r} must be a (key, phrase) pair")
            dtmf, phrase = key
        elif isinstance(key, str) and _KEY.match(key):
            dtmf, phrase = key, None
        else:
            dtmf, phrase = None, key
        if dtmf is not None:
            if not isinstance(dtmf, str) or not _KEY.match(dtmf):
                raise ValueError(f"menu choice key {dtmf!r} must be one key 0-9, * or #")
            if dtmf in keys:
                raise ValueError(f"menu key {dtmf!r} is used twice")
            keys.add(dtmf)
        if phrase is not None:
            if not isinstance(phrase, str) or not phrase.strip():
                raise ValueError(f"menu phrase {phrase!r} must be non-empty text")
            if phrase.strip().lower() in phrases:
                raise ValueError(f"menu phrase {phrase!r} is used twice")
            phrases.add(phrase.strip().lower())
        entries.append(Choice(step_name(target), dtmf, phrase.strip() if phrase else None))
    return Menu(
        prompt=_parts(prompt),
        choices=tuple(entries),
        retry=Retry(_escalation(noinput), _escalation(nomatch), _tries(tries), _optional_step(on_failure)),
    )


@dataclass(frozen=True)
class Record(Component):
    """A recording of the caller, posted (multipart) to ``then`` as a keyword argument ``name``."""

    name: str
    prompt: Prompts
    then: str
    max_time: str
    final_silence: str
    beep: bool
    dtmf_term: bool
    retry: Retry
    terminal = True


def record(
    name: str,
    *prompt: Any,
    then: StepRef,
    max_time: int | float | str = 60,
    final_silence: int | float | str = 3,
    beep: bool = True,
    dtmf_term: bool = True,
    noinput: str | Say | Sequence[str | Say] | None = None,
    tries: int = 3,
    on_failure: StepRef | None = None,
) -> Record:
    """Record the caller (up to ``max_time``; ends after ``final_silence`` or a key when ``dtmf_term``)."""
    return Record(
        name=_input_name(name),
        prompt=_parts(prompt),
        then=step_name(then),
        max_time=_duration(max_time, "record max_time") or "60s",
        final_silence=_duration(final_silence, "record final_silence") or "3s",
        beep=bool(beep),
        dtmf_term=bool(dtmf_term),
        retry=Retry(_escalation(noinput), (), _tries(tries), _optional_step(on_failure)),
    )


_DESTINATION = re.compile(r"^(tel:\+?[0-9*#]{2,32}(;[A-Za-z0-9=+._-]+)*|sips?:[^\s<>\"]{3,255})$")


@dataclass(frozen=True)
class Transfer(Component):
    """Connect the caller to another number, blind or bridged."""

    destination: str
    prompt: Prompts
    bridge: bool
    then: str | None
    on_busy: str | None
    on_noanswer: str | None
    on_network_failure: str | None
    connect_timeout: str
    max_time: str | None
    terminal = True


def transfer(
    destination: str,
    *prompt: Any,
    bridge: bool = False,
    then: StepRef | None = None,
    on_busy: StepRef | None = None,
    on_noanswer: StepRef | None = None,
    on_network_failure: StepRef | None = None,
    connect_timeout: int | float | str = 30,
    max_time: int | float | str | None = None,
) -> Transfer:
    """Transfer the call to ``destination`` (``+16175551234``, ``tel:...`` or ``sip:...``).

    A blind transfer (the default) hands the call over and vxmlkit's part ends. A bridged
    transfer (``bridge=True``) comes back when the far end hangs up: the call continues at
    ``then``, or at ``on_busy`` / ``on_noanswer`` / ``on_network_failure`` when the connection
    could not be made (each falls back to ``then``, then to a goodbye). The step receives the
    outcome as ``transfer`` (``"busy"``, ``"noanswer"``, ``"far_end_disconnect"`` ...).
    """
    dest = destination.strip()
    if re.fullmatch(r"\+?[0-9]{3,20}", dest):
        dest = "tel:" + dest
    if not _DESTINATION.match(dest):
        raise ValueError(f"transfer destination {destination!r} must be a phone number, tel: URI or sip: URI")
    if not bridge and any(x is not None for x in (then, on_busy, on_noanswer)):
        raise ValueError("transfer(): then/on_busy/on_noanswer need bridge=True (a blind transfer does not come back)")
    return Transfer(
        destination=dest,
        prompt=_parts(prompt),
        bridge=bool(bridge),
        then=_optional_step(then),
        on_busy=_optional_step(on_busy),
        on_noanswer=_optional_step(on_noanswer),
        on_network_failure=_optional_step(on_network_failure),
        connect_timeout=_duration(connect_timeout, "transfer connect_timeout") or "30s",
        max_time=_duration(max_time, "transfer max_time"),
    )


@dataclass(frozen=True)
class Goto(Component):
    """Continue at another step (a new request to the server)."""

    step: str
    terminal = True


def goto(target: StepRef) -> Goto:
    """Continue the call at the step ``target``."""
    return Goto(step_name(target))


@dataclass(frozen=True)
class Hangup(Component):
    """End the call (after the prompts before it have played)."""

    terminal = True


def hangup() -> Hangup:
    """Hang up."""
    return Hangup()


_PROPERTY_NAMES = {
    "timeout": "duration",
    "interdigittimeout": "duration",
    "termtimeout": "duration",
    "completetimeout": "duration",
    "incompletetimeout": "duration",
    "fetchtimeout": "duration",
    "fetchaudiodelay": "duration",
    "fetchaudiominimum": "duration",
    "termchar": "termchar",
    "bargein": "boolean",
    "bargeintype": ("speech", "hotword"),
    "inputmodes": ("dtmf", "voice", "dtmf voice", "voice dtmf"),
    "fetchaudio": "url",
    "confidencelevel": "fraction",
    "sensitivity": "fraction",
    "speedvsaccuracy": "fraction",
}


@dataclass(frozen=True)
class Properties(Component):
    """VoiceXML properties for the rest of the document (timeouts, termchar, barge-in ...)."""

    values: tuple[tuple[str, str], ...]


def properties(**values: Any) -> Properties:
    """Set properties: ``properties(timeout=5, termchar="#", bargein=False, fetchaudio="hold.wav")``."""
    if not values:
        raise ValueError("properties() needs at least one property")
    out: list[tuple[str, str]] = []
    for name, value in values.items():
        kind = _PROPERTY_NAMES.get(name)
        if kind is None:
            raise ValueError(f"unknown property {name!r}; known: {', '.join(sorted(_PROPERTY_NAMES))}")
        if kind == "duration":
            text = _duration(value, f"property {name}")
        elif kind == "boolean":
            if not isinstance(value, bool):
                raise ValueError(f"property {name} must be True or False, not {value!r}")
            text = "true" if value else "false"
        elif kind == "termchar":
            if value not in ("", *"0123456789*#"):
                raise ValueError(f"property termchar must be one key 0-9, * or #, or '', not {value!r}")
            text = value
        elif kind == "fraction":
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= 1:
                raise ValueError(f"property {name} must be a number from 0 to 1, not {value!r}")
            text = str(value)
        elif kind == "url":
            if not isinstance(value, str) or not value.strip() or any(c.isspace() for c in value.strip()):
                raise ValueError(f"property {name} must be a URL, not {value!r}")
            text = value.strip()
        else:
            if value not in kind:
                raise ValueError(f"property {name} must be one of {', '.join(kind)}, not {value!r}")
            text = value
        assert text is not None
        out.append((name, text))
    return Properties(tuple(out))


@dataclass(frozen=True)
class AnsweringMachine(Component):
    """Branch on who answered: a person (``voice``) or an answering machine (``machine``)."""

    prompt: Prompts
    voice: str
    machine: str
    terminal = True


def answering_machine(*prompt: Any, voice: StepRef, machine: StepRef) -> AnsweringMachine:
    """Play ``prompt`` (give it 4 seconds or more: detection takes that long), then continue
    at ``machine`` when ``session.connection.callee_type`` says an answering machine picked up,
    else at ``voice``. Detection is not guaranteed: the voice step should still ask for a key."""
    return AnsweringMachine(_parts(prompt), step_name(voice), step_name(machine))


@dataclass(frozen=True)
class Template(Component):
    """A whole document from one of the app's own templates (the escape hatch)."""

    name: str
    context: Mapping[str, Any] = field(default_factory=dict)
    terminal = True


def template(name: str, **context: Any) -> Template:
    """Render the app's template ``name`` with ``context`` as the whole document.

    The template gets ``step_url(name)`` to link to steps with a signed URL; the result is
    checked against the schema like every other document.
    """
    if not name or name.startswith("/") or ".." in name.split("/"):
        raise ValueError(f"template name {name!r} must be a relative template path")
    return Template(name, dict(context))
