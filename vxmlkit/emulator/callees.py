"""Who answers: the callee rules file, mapping number patterns to behaviours.

A rule names numbers with a glob pattern on their digits (``1617555*``, ``+1617555012?``,
``*`` for every number; ``tel:``, ``+`` and ``;ani=``/``;postd=`` parts are ignored) and says
what happens when the platform dials them:

``voice``            a person answers and follows ``inputs`` (``dtmf:1``, ``say:yes``,
                     ``noinput``, ``nomatch``, ``record:3``, ``transfer:busy``, ``hangup``),
                     hanging up when the script runs out while the call waits;
``answeringmachine`` a machine answers (``session.connection.callee_type``), hangs up at the
                     first wait;
``busy``, ``noanswer``, ``fax``, ``operator`` (operator intercept), ``informationtone``,
``unknown``          the call fails with that callee type and is retried.

``hangup_after: N`` makes the callee hang up once N seconds of the call have passed.
``answer`` may be a list, one behaviour per attempt (``[busy, busy, voice]``: answers the
third attempt; the last one repeats), or weights (``{voice: 70, noanswer: 30}``) drawn with a
random generator seeded by ``--seed``, the number and the attempt, so a run is reproducible.
``sms`` says what becomes of a text message to the number: ``delivered`` (default),
``failed``, ``undelivered``, or refusals at queueing: ``unsubscribed``, ``landline``.

The file is YAML (a list of rules, or ``{rules: [...], default: {...}}``) or CSV with the
columns ``pattern,answer,inputs,hangup_after,sms`` (inputs separated by ``|``; an ``answer``
of ``busy>busy>voice`` is a per-attempt list; ``voice:70|noanswer:30`` weights). The first
matching rule wins; numbers no rule names get the default (a person who answers and hangs up
at the first question).
"""

from __future__ import annotations

import csv
import fnmatch
import hashlib
import io
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from vxmlkit.browser import Input
from vxmlkit.browser.cli import parse_inputs

__all__ = [
    "ANSWERED",
    "CALLEE_TYPES",
    "FAILED",
    "SMS_OUTCOMES",
    "Behaviour",
    "CalleeRules",
    "Rule",
    "RulesError",
    "load_rules",
    "number_digits",
]

ANSWERED = ("voice", "answeringmachine")
FAILED = ("busy", "noanswer", "fax", "operator", "informationtone", "unknown")
CALLEE_TYPES = ANSWERED + FAILED
SMS_OUTCOMES = ("delivered", "failed", "undelivered", "unsubscribed", "landline")


class RulesError(ValueError):
    """The callee rules file is broken; the message names the rule and the problem."""


def number_digits(phone: str) -> str:
    """The digits of a number as dialed: ``tel:+16175551234;ani=...`` -> ``16175551234``."""
    number = phone.split(";", 1)[0].strip()
    if number.lower().startswith("tel:"):
        number = number[4:]
    return "".join(ch for ch in number if ch.isdigit())


@dataclass(frozen=True)
class Behaviour:
    """What one callee does on one attempt."""

    callee_type: str
    inputs: tuple[Input, ...] = ()
    hangup_after: float | None = None

    @property
    def answers(self) -> bool:
        """True when the call is answered (the start_url is fetched)."""
        return self.callee_type in ANSWERED


@dataclass(frozen=True)
class Rule:
    """One line of the rules: a pattern, the answer (fixed, per attempt or weighted), the
    voice callee's inputs, when the callee hangs up, and what happens to text messages."""

    pattern: str
    answer: tuple[str, ...] | Mapping[str, float] = ("voice",)
    inputs: tuple[Input, ...] = ()
    hangup_after: float | None = None
    sms: str = "delivered"
    label: str = ""

    def matches(self, digits: str) -> bool:
        """True when the rule names this number."""
        return fnmatch.fnmatchcase(digits, self.pattern)

    def behaviour(self, attempt: int, seed: int | None, digits: str) -> Behaviour:
        """The behaviour on attempt number ``attempt`` (1-based)."""
        if isinstance(self.answer, Mapping):
            key = f"{seed}:{digits}:{attempt}".encode()
            rng = random.Random(int.from_bytes(hashlib.sha256(key).digest()[:8], "big"))
            names = list(self.answer)
            callee_type = rng.choices(names, weights=[self.answer[name] for name in names])[0]
        else:
            callee_type = self.answer[min(attempt, len(self.answer)) - 1]
        return Behaviour(callee_type, self.inputs if callee_type == "voice" else (), self.hangup_after)


@dataclass(frozen=True)
class CalleeRules:
    """The rules in order, the default, and the seed of the random choices."""

    rules: tuple[Rule, ...] = ()
    default: Rule = field(default_factory=lambda: Rule("*", label="default"))
    seed: int | None = None

    def rule_for(self, phone: str) -> Rule:
        """The first rule naming ``phone``, else the default."""
        digits = number_digits(phone)
        return next((rule for rule in self.rules if rule.matches(digits)), self.default)

    def behaviour(self, phone: str, attempt: int) -> Behaviour:
        """What the callee at ``phone`` does on attempt ``attempt`` (1-based)."""
        return self.rule_for(phone).behaviour(attempt, self.seed, number_digits(phone))

    def sms_outcome(self, phone: str) -> str:
        """What becomes of a text message to ``phone``."""
        return self.rule_for(phone).sms

    def with_seed(self, seed: int | None) -> CalleeRules:
        """The same rules with another seed."""
        return CalleeRules(self.rules, self.default, seed)


def _pattern(value: object, where: str) -> str:
    if isinstance(value, int):
        value = str(value)
    if not isinstance(value, str) or not value.strip():
        raise RulesError(f"{where}: needs a number pattern (such as 1617555* or *)")
    text = value.strip()
    if text.lower().startswith("tel:"):
        text = text[4:]
    text = text.split(";", 1)[0].replace("+", "").replace(" ", "").replace("-", "")
    bad = sorted({ch for ch in text if not (ch.isdigit() or ch in "*?[]!")})
    if bad:
        raise RulesError(f"{where}: pattern {value!r} may hold digits and the wildcards * ? [] only (got {''.join(bad)!r})")
    return text


def _callee_type(value: object, where: str) -> str:
    name = str(value).strip().lower().replace(" ", "").replace("_", "")
    name = {"machine": "answeringmachine", "am": "answeringmachine", "intercept": "operator",
            "operatorintercept": "operator", "human": "voice"}.get(name, name)
    if name not in CALLEE_TYPES:
        raise RulesError(f"{where}: unknown answer {value!r}; expected one of {', '.join(CALLEE_TYPES)}")
    return name


def _answer(value: object, where: str) -> tuple[str, ...] | dict[str, float]:
    if value is None:
        return ("voice",)
    if isinstance(value, Mapping):
        weights: dict[str, float] = {}
        for name, weight in value.items():
            try:
                number = float(weight)
            except (TypeError, ValueError):
                raise RulesError(f"{where}: weight of {name!r} must be a number (got {weight!r})") from None
            if number < 0:
                raise RulesError(f"{where}: weight of {name!r} must not be negative")
            weights[_callee_type(name, where)] = number
        if not weights or sum(weights.values()) <= 0:
            raise RulesError(f"{where}: weights must add up to more than 0")
        return weights
    if isinstance(value, str):
        text = value.strip()
        if ":" in text:  # weights: voice:70|noanswer:30
            pairs = [part.split(":", 1) for part in text.split("|") if part.strip()]
            return _answer({name.strip(): weight.strip() for name, weight in pairs}, where)
        value = text.split(">")  # one per attempt: busy>busy>voice
    if isinstance(value, Sequence) and not isinstance(value, str):
        names = tuple(_callee_type(item, where) for item in value)
        if not names:
            raise RulesError(f"{where}: answer must name at least one behaviour")
        return names
    raise RulesError(f"{where}: answer must be a behaviour, a list of them or weights (got {value!r})")


def _inputs(value: object, where: str) -> tuple[Input, ...]:
    if value is None or value == "":
        return ()
    texts = [part.strip() for part in value.split("|")] if isinstance(value, str) else [str(v) for v in value]  # type: ignore[union-attr]
    try:
        return tuple(parse_inputs([text for text in texts if text]))
    except ValueError as exc:
        raise RulesError(f"{where}: {exc}") from None


def _seconds(value: object, where: str) -> float | None:
    if value is None or value == "":
        return None
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise RulesError(f"{where}: hangup_after must be a number of seconds (got {value!r})") from None
    if number < 0:
        raise RulesError(f"{where}: hangup_after must not be negative")
    return number


def _sms(value: object, where: str) -> str:
    if value is None or value == "":
        return "delivered"
    name = str(value).strip().lower()
    if name not in SMS_OUTCOMES:
        raise RulesError(f"{where}: unknown sms outcome {value!r}; expected one of {', '.join(SMS_OUTCOMES)}")
    return name


_KEYS = {"pattern", "number", "answer", "inputs", "hangup_after", "sms"}


def make_rule(entry: Mapping[str, Any], where: str) -> Rule:
    """One rule from a mapping with pattern (or number), answer, inputs, hangup_after, sms."""
    unknown = set(entry) - _KEYS
    if unknown:
        raise RulesError(f"{where}: unknown key(s) {', '.join(sorted(map(str, unknown)))}; expected {', '.join(sorted(_KEYS))}")
    return Rule(
        pattern=_pattern(entry.get("pattern", entry.get("number", "*")), where),
        answer=_answer(entry.get("answer"), where),
        inputs=_inputs(entry.get("inputs"), where),
        hangup_after=_seconds(entry.get("hangup_after"), where),
        sms=_sms(entry.get("sms"), where),
        label=where,
    )


def parse_rules(text: str, *, kind: str, seed: int | None = None, name: str = "rules") -> CalleeRules:
    """Read rules from text; ``kind`` is ``yaml`` or ``csv``."""
    entries: list[Mapping[str, Any]]
    default: Mapping[str, Any] | None = None
    if kind == "csv":
        rows = [row for row in csv.DictReader(io.StringIO(text.lstrip("\ufeff"))) if any((v or "").strip() for v in row.values())]
        entries = [{k.strip(): (v or "").strip() for k, v in row.items() if k} for row in rows]
        for entry in entries:
            if entry.get("pattern", "").strip().lower() == "default":
                default = {k: v for k, v in entry.items() if k != "pattern"}
        entries = [entry for entry in entries if entry.get("pattern", "").strip().lower() != "default"]
    else:
        import yaml

        try:
            data = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            raise RulesError(f"{name}: not valid YAML: {exc}") from None
        if isinstance(data, Mapping):
            unknown = set(data) - {"rules", "default"}
            if unknown:
                raise RulesError(f"{name}: unknown top-level key(s) {', '.join(sorted(map(str, unknown)))}")
            default = data.get("default")
            data = data.get("rules") or []
        if data is None:
            data = []
        if not isinstance(data, list) or not all(isinstance(item, Mapping) for item in data):
            raise RulesError(f"{name}: expected a list of rules (mappings with a pattern and an answer)")
        entries = data
    rules = tuple(make_rule(entry, f"{name} rule {index}") for index, entry in enumerate(entries, start=1))
    if default is not None and not isinstance(default, Mapping):
        raise RulesError(f"{name}: default must be a mapping like a rule without its pattern")
    default_rule = make_rule({**(default or {}), "pattern": "*"}, f"{name} default") if default else Rule("*", label="default")
    return CalleeRules(rules, default_rule, seed)


def load_rules(path: str | Path | None, seed: int | None = None) -> CalleeRules:
    """The rules in ``path`` (``.csv``, else YAML), or only the default when ``path`` is None."""
    if path is None:
        return CalleeRules(seed=seed)
    file = Path(path)
    try:
        text = file.read_text(encoding="utf-8")
    except OSError as exc:
        raise RulesError(f"cannot read {file}: {exc.strerror or exc}") from None
    return parse_rules(text, kind="csv" if file.suffix.lower() == ".csv" else "yaml", seed=seed, name=str(file))
