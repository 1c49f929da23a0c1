"""What to try when a call waits: one input per outcome the active grammars can tell apart.

For a menu: each choice's key and each choice's phrase. For a field: representative values of
its builtin grammar (both booleans; digits at the minimum and the maximum length; a date, a
time ...), one sentence per top-level alternative of an SRGS grammar, each option of an
``<option>`` list, and the digit strings found in the call's parameters (a flow that checks
"the last four digits of the account" gets them right once). Every candidate is recognised
by the active grammars as the interpreter would, and only one candidate is kept per distinct
outcome (which grammar matched, with which interpretation). Then silence (noinput), an answer
no grammar matches (nomatch) and a hang-up. A recording is made or left empty; a bridged
transfer ends each way the platform can end it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Any
from urllib.parse import parse_qsl

from lxml import etree

from ..browser.document import element_children, local_name
from ..browser.platform import TRANSFER_OUTCOMES, InputRequest
from .graph import Action

__all__ = ["options_at", "srgs_sentences", "builtin_samples", "harvest_digits"]

# Keys in an order that reads as "some number" rather than a pattern: 1234567890123456...
_DIGITS = "1234567890" * 4

#: Samples of the builtin grammars, DTMF first (the keypad is what outbound callers use).
_BUILTIN_DTMF = {
    "boolean": ["1", "2"],
    "number": ["42", "3*5"],
    "currency": ["4210"],
    "date": ["20301215"],
    "time": ["1430"],
    "phone": ["6175551234"],
}
_BUILTIN_VOICE = {
    "boolean": ["yes", "no"],
    "number": ["forty two"],
    "currency": ["forty two dollars"],
    "date": ["december fifteenth twenty thirty"],
    "time": ["two thirty pm"],
    "phone": ["six one seven five five five one two three four"],
    "digits": ["one two three four"],
}


def harvest_digits(values: Iterable[str]) -> list[str]:
    """Runs of digits in ``values`` (call parameters, the phone number): answers a flow may check."""
    found: list[str] = []
    for value in values:
        for run in re.findall(r"\d+", value):
            if run not in found:
                found.append(run)
    return found


def builtin_samples(type_uri: str, mode: str, harvested: Sequence[str] = ()) -> list[str]:
    """Candidate inputs for a builtin type such as ``digits?minlength=15;maxlength=16``."""
    name, _, query = type_uri.removeprefix("builtin:").removeprefix(f"{mode}/").partition("?")
    name = name.split("/")[-1]
    params = dict(parse_qsl(query.replace(";", "&")))
    if mode == "voice":
        return list(_BUILTIN_VOICE.get(name, []))
    if name != "digits":
        return list(_BUILTIN_DTMF.get(name, [])) + ([params[k] for k in ("y", "n") if k in params] if name == "boolean" else [])
    lengths: list[int] = []
    for key in ("length", "minlength", "maxlength"):
        if key in params and params[key].isdigit():
            lengths.append(int(params[key]))
    if not lengths:
        lengths = [1, 4]
    shortest, longest = min(lengths), max(lengths)
    samples = list(dict.fromkeys([_DIGITS[:shortest], _DIGITS[:longest]]))
    if longest <= 2:
        # A key or two is a score or a choice: a step checks its range, so try both ends.
        samples += [v for v in ("0" * shortest, "9" * longest) if v not in samples]
        return samples
    for run in harvested:
        for n in sorted(set(lengths)):
            for candidate in (run, run[-n:], run[:n]):
                if candidate and candidate not in samples:
                    samples.append(candidate)
    return samples


_SRGS = "{http://www.w3.org/2001/06/grammar}"


def srgs_sentences(grammar: etree._Element, *, limit: int = 20) -> list[str]:
    """One sentence per top-level alternative of an SRGS grammar's root rule.

    Each alternative is expanded the shortest way (the first alternative of inner
    ``<one-of>``s, the minimum of a ``<repeat>``, local ``<ruleref>``s followed); tags are
    ignored. Works for grammars in the SRGS or the VoiceXML namespace.
    """
    rules = {rule.get("id"): rule for rule in grammar.iter() if isinstance(rule.tag, str) and local_name(rule) == "rule"}
    root_name = grammar.get("root") or next(iter(rules), None)
    root = rules.get(root_name)
    if root is None:
        return []

    def expand(element: Any, depth: int) -> list[str] | None:
        if depth > 20:
            return None
        words: list[str] = []
        if element.text and local_name(element) in ("item", "rule", "token"):
            words.extend(element.text.split())
        for child in element_children(element):
            tag = local_name(child)
            part: list[str] | None = []
            if tag in ("item", "token"):
                repeat = child.get("repeat", "1")
                low = repeat.split("-")[0] if repeat else "1"
                times = int(low) if low.isdigit() else 1
                inner = expand(child, depth + 1)
                part = None if inner is None else inner * max(times, 0)
            elif tag == "one-of":
                alternatives = [c for c in element_children(child) if local_name(c) == "item"]
                part = next((e for e in (expand(a, depth + 1) for a in alternatives) if e is not None), None)
            elif tag == "ruleref":
                uri = child.get("uri") or ""
                special = child.get("special")
                if special == "VOID":
                    part = None
                elif special in ("NULL", "GARBAGE") or not uri.startswith("#"):
                    part = [] if special else None
                else:
                    target = rules.get(uri[1:])
                    part = expand(target, depth + 1) if target is not None else None
            if part is None:
                return None
            words.extend(part)
            if child.tail and tag not in ("tag",):
                words.extend(child.tail.split())
        return words

    top = [child for child in element_children(root) if local_name(child) == "one-of"]
    alternatives = [c for c in element_children(top[0]) if local_name(c) == "item"] if len(top) == 1 else [root]
    sentences: list[str] = []
    for alternative in alternatives[:limit]:
        words = expand(alternative, 0)
        if words:
            sentence = " ".join(words)
            if sentence not in sentences:
                sentences.append(sentence)
    return sentences


def _grammar_elements(owner: Any) -> list[Any]:
    return [child for child in element_children(owner) if local_name(child) == "grammar"]


def _candidates(active: Any, documents: dict[str, str], harvested: Sequence[str], modes: set[str]) -> list[Action]:
    """Candidate inputs for one active grammar (before recognition sorts them out)."""
    grammar, owner = active.grammar, active.owner
    mode = getattr(grammar, "mode", "dtmf")
    verb = "press" if mode == "dtmf" else "say"
    choices = getattr(grammar, "choices", None)
    if choices is not None and not isinstance(owner, str):
        return [Action(verb, ("" if mode == "dtmf" else " ").join(phrase)) for _, phrases in choices for phrase in phrases[:1]]
    type_name = getattr(grammar, "type_name", None)
    if type_name is not None:
        if mode == "voice" and "dtmf" in modes:
            return []  # the keypad gives the same values
        uri = owner.get("type") if owner is not None and hasattr(owner, "get") and owner.get("type") else type_name
        return [Action(verb, value) for value in builtin_samples(uri, mode, harvested)]
    if owner is None or isinstance(owner, str):
        return []
    sentences: list[str] = []
    elements = [owner] if local_name(owner) == "grammar" else _grammar_elements(owner)
    for element in elements:
        if (element.get("mode") or "voice") != mode:
            continue
        source: Any = element
        src = element.get("src")
        if src:
            text = next((body for url, body in documents.items() if url.split("#")[0].endswith(src.split("#")[0])), None)
            if text is None:
                continue
            try:
                source = etree.fromstring(text.encode())
            except etree.XMLSyntaxError:
                continue
        if mode == "dtmf":
            sentences.extend(s.replace(" ", "") for s in srgs_sentences(source))
        else:
            sentences.extend(srgs_sentences(source))
    return [Action(verb, sentence) for sentence in sentences]


def _with_termchar(grammar: Any, keys: str) -> str:
    """Keys as a caller types them: ``#`` after input that could go on (when # ends input)."""
    try:
        return keys + "#" if grammar.is_prefix(keys) else keys
    except Exception:  # noqa: BLE001 - a grammar that cannot say keeps the keys as they are
        return keys


def options_at(request: InputRequest, *, documents: dict[str, str], harvested: Sequence[str] = (),
               extra: dict[str, list[str]] | None = None) -> list[Action]:
    """The actions worth trying when the call waits with ``request``.

    ``documents`` (URL -> text) lets an external SRGS grammar be read; ``harvested`` are digit
    strings from the call's parameters; ``extra`` maps a field name to more answers to try
    (``--answer last4=1234``).
    """
    tail = [Action("hang_up")]
    if request.kind == "record":
        return [Action("record", "2"), Action("silence"), *tail]
    if request.kind == "transfer":
        return [Action("transfer", outcome) for outcome in TRANSFER_OUTCOMES] + tail
    modes = set(request.modes)
    candidates: list[tuple[Action, Any]] = []
    for active in request.grammars:
        mode = getattr(active.grammar, "mode", None)
        if mode == "dtmf" and "dtmf" not in modes or mode == "voice" and "voice" not in modes:
            continue
        for action in _candidates(active, documents, harvested, modes):
            candidates.append((action, active.grammar))
    for value in (extra or {}).get(request.name or "", []):
        keys = value.replace(" ", "")
        kind = "press" if keys and all(k in "0123456789*#" for k in keys) else "say"
        candidates.append((Action(kind, keys if kind == "press" else value), None))
    chosen: list[Action] = []
    outcomes: set[Any] = set()
    for action, grammar in candidates:
        outcome = _recognise(action, request.grammars)
        if outcome is None:
            continue
        if grammar is not None and action.kind == "press":
            action = Action("press", _with_termchar(grammar, action.value))
        # A menu's key and phrase are both tried; for other grammars one input per outcome.
        key = (*outcome, action.kind) if outcome[0] in ("choice", "link") else outcome
        if key in outcomes or action in chosen:
            continue
        outcomes.add(key)
        chosen.append(action)
    return chosen + [Action("silence"), Action("nomatch"), *tail]


def _recognise(action: Action, active: Sequence[Any]) -> tuple[str, int, str] | None:
    """(the winning grammar's kind, its owner, the interpretation) as the interpreter would
    recognise ``action`` -- the first active grammar of the mode that matches -- or None."""
    mode = "dtmf" if action.kind == "press" else "voice"
    text = action.value.split("#", 1)[0] if mode == "dtmf" else action.value
    for candidate in active:
        grammar = candidate.grammar
        if getattr(grammar, "mode", None) != mode:
            continue
        try:
            match = grammar.match(text)
        except Exception:  # noqa: BLE001 - a tag script needs the call's context: count it as a match
            return (candidate.kind, id(candidate.owner), f"?{text}")
        if match is not None:
            if candidate.kind in ("choice", "link"):
                # A choice's grammar interprets every phrase the same: the owner tells them apart.
                return (candidate.kind, id(candidate.owner), "")
            return (candidate.kind, id(candidate.owner), repr(match.interpretation))
    return None
