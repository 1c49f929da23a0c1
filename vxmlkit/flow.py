"""Flow classes: an outbound call script written as Python methods.

A flow is a subclass of :class:`Flow` with a ``name`` and methods decorated with :func:`step`,
one of them ``@step(start=True)``. A step receives the :class:`Call` and the caller's input as
keyword arguments, and returns the components of the next VoiceXML document.
"""

from __future__ import annotations

import datetime as _dt
import inspect
import json
import os
import re
import traceback
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any, ClassVar, TypeVar, get_type_hints, overload
from urllib.parse import parse_qsl

from .answers import AnswerError, read_answer, rebuild_objects

__all__ = ["Flow", "step", "Call", "CallParams", "ParameterError", "FlowDefinitionError", "parse_call_parameters",
           "step_failure"]

F = TypeVar("F", bound=Callable[..., Any])

_FLOW_NAME = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")


class FlowDefinitionError(TypeError):
    """A flow class is written wrongly (no start step, a bad name ...): raised when it is defined."""


class ParameterError(ValueError):
    """A call parameter the flow declares is missing or cannot be read as its type."""

    def __init__(self, parameter: str, reason: str) -> None:
        super().__init__(f"call parameter {parameter!r}: {reason}")
        self.parameter = parameter
        self.reason = reason


@overload
def step(func: F) -> F: ...
@overload
def step(*, start: bool = False) -> Callable[[F], F]: ...
def step(func: F | None = None, *, start: bool = False) -> F | Callable[[F], F]:
    """Mark a method as a step of its flow; ``@step(start=True)`` marks the one the call begins with."""

    def mark(f: F) -> F:
        if not callable(f):
            raise FlowDefinitionError(f"@step decorates methods, not {f!r}")
        f._vxmlkit_step = True  # type: ignore[attr-defined]
        f._vxmlkit_start = start  # type: ignore[attr-defined]
        return f

    return mark(func) if func is not None else mark


def parse_call_parameters(raw: str) -> dict[str, Any]:
    """Read Plum's ``call_parameters``: a JSON object, or ``k=v&k2=v2`` form encoding.

    Raises :class:`ParameterError` (for ``call_parameters``) when it is neither.
    """
    text = raw.strip()
    if not text:
        return {}
    if text.startswith("{"):
        try:
            value = json.loads(text)
        except ValueError as exc:
            raise ParameterError("call_parameters", f"not a valid JSON object ({exc})") from exc
        if not isinstance(value, dict):
            raise ParameterError("call_parameters", "JSON must be an object")
        return value
    try:
        return dict(parse_qsl(text, keep_blank_values=True, strict_parsing=True))
    except ValueError as exc:
        raise ParameterError("call_parameters", f"not k=v&k2=v2 form encoding ({exc})") from exc


def _convert(name: str, value: Any, kind: Any) -> Any:
    """Convert one raw parameter to its declared type, or raise ParameterError."""
    if kind is Any or kind is object:
        return value
    text = value if isinstance(value, str) else json.dumps(value) if not isinstance(value, (int, float)) else str(value)
    try:
        if kind is str:
            return text
        if kind is bool:
            if isinstance(value, bool):
                return value
            lowered = text.strip().lower()
            if lowered in ("1", "true", "yes", "y", "on"):
                return True
            if lowered in ("0", "false", "no", "n", "off"):
                return False
            raise ValueError("expected true/false")
        if kind is int:
            if isinstance(value, bool):
                raise ValueError("expected a whole number")
            return int(text.strip())
        if kind is float:
            return float(text.strip())
        if kind is Decimal:
            result = Decimal(text.strip())
            if not result.is_finite():
                raise ValueError("expected a finite number")
            return result
        if kind is _dt.datetime:
            return _dt.datetime.fromisoformat(text.strip())
        if kind is _dt.date:
            return _dt.date.fromisoformat(text.strip())
    except (ValueError, InvalidOperation) as exc:
        raise ParameterError(name, f"{text[:40]!r} is not a valid {kind.__name__}") from exc
    raise FlowDefinitionError(f"parameter {name!r}: unsupported type {kind!r} (use str, int, float, Decimal, bool, date, datetime)")


_SUPPORTED_TYPES = (str, int, float, Decimal, bool, _dt.date, _dt.datetime)


class CallParams:
    """Typed call parameters. Subclass it inside a flow, as ``Params``, to declare them::

        class Params(CallParams):
            amount: Decimal
            account: str
            due: date | None = None

    Each annotated name is required unless it has a default. Values are read from
    ``call_parameters`` and converted; ``call.params.amount`` and ``call.params["amount"]`` both work.
    """

    def __init__(self, values: Mapping[str, Any]) -> None:
        self.__dict__["_values"] = dict(values)

    @classmethod
    def declared(cls) -> dict[str, tuple[Any, bool, Any]]:
        """name -> (type, required, default) for every declared parameter."""
        cached = cls.__dict__.get("_declared")
        if cached is not None:
            return cached
        out: dict[str, tuple[Any, bool, Any]] = {}
        hints = get_type_hints(cls) if cls is not CallParams else {}
        for name, hint in hints.items():
            if name.startswith("_"):
                continue
            kind, optional = hint, False
            args = getattr(hint, "__args__", None)
            if args and type(None) in args:
                rest = [a for a in args if a is not type(None)]
                if len(rest) == 1:
                    kind, optional = rest[0], True
            if kind not in _SUPPORTED_TYPES and kind is not Any:
                raise FlowDefinitionError(
                    f"{cls.__qualname__}.{name}: unsupported type {hint!r} (use str, int, float, Decimal, bool, date, datetime)"
                )
            has_default = name in cls.__dict__
            default = cls.__dict__.get(name)
            out[name] = (kind, not (has_default or optional), default)
        cls._declared = out
        return out

    @classmethod
    def parse(cls, raw: Mapping[str, Any]) -> CallParams:
        """Check and convert ``raw`` parameters; raises ParameterError naming the first bad one."""
        declared = cls.declared()
        values: dict[str, Any] = dict(raw)
        for name, (kind, required, default) in declared.items():
            if name not in raw or raw[name] in ("", None):
                if required:
                    raise ParameterError(name, "is required and missing")
                values[name] = default
                continue
            values[name] = _convert(name, raw[name], kind)
        return cls(values)

    def __getattribute__(self, name: str) -> Any:
        # Parameter values win over the class attributes that hold their defaults.
        if not name.startswith("_"):
            values = object.__getattribute__(self, "_values")
            if name in values:
                return values[name]
        return object.__getattribute__(self, name)

    def __getattr__(self, name: str) -> Any:
        raise AttributeError(f"no call parameter {name!r}")

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("call parameters are read-only; keep changing values in call.state")

    def __getitem__(self, name: str) -> Any:
        try:
            return self._values[name]
        except KeyError:
            raise KeyError(f"no call parameter {name!r}") from None

    def __contains__(self, name: object) -> bool:
        return name in self._values

    def get(self, name: str, default: Any = None) -> Any:
        """The parameter ``name``, or ``default``."""
        return self._values.get(name, default)

    def as_dict(self) -> dict[str, Any]:
        """All parameters, converted where declared."""
        return dict(self._values)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({sorted(self._values)})"


@dataclass
class Call:
    """What a step knows about the call it serves."""

    flow: str
    session_id: str
    phone_number: str
    message_reference: str
    call_id: str
    call_parameters: str
    params: CallParams
    #: Kept between steps (JSON-serialisable values).
    state: dict[str, Any] = field(default_factory=dict)
    #: The step being run.
    step: str = ""


@dataclass(frozen=True)
class StepInfo:
    """A step of a flow: its name and the input names its method accepts."""

    name: str
    start: bool
    inputs: frozenset[str]
    accepts_any: bool
    #: input name -> the type its parameter is annotated with (``str`` asks for the posted text).
    annotations: Mapping[str, Any] = field(default_factory=dict)
    #: The inputs without a default: a request that does not post them cannot run the step.
    required: frozenset[str] = frozenset()


class Flow:
    """Base class of a call flow.

    Subclasses set ``name`` (lowercase letters, digits and dashes: it is part of the start URL)
    and define steps with :func:`step`. ``version`` pins the VoiceXML version of the flow's
    documents (default: 2.0, or 2.1 when a document uses a 2.1 element).
    """

    name: ClassVar[str]
    version: ClassVar[str | None] = None
    Params: ClassVar[type[CallParams]] = CallParams
    steps: ClassVar[dict[str, StepInfo]]
    start_step: ClassVar[str]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        name = cls.__dict__.get("name")
        if not isinstance(name, str) or not _FLOW_NAME.match(name):
            raise FlowDefinitionError(
                f"{cls.__qualname__}.name must be lowercase letters, digits and dashes (such as 'payment-reminder'), got {name!r}"
            )
        if cls.version not in (None, "2.0", "2.1"):
            raise FlowDefinitionError(f"{cls.__qualname__}.version must be '2.0' or '2.1', not {cls.version!r}")
        steps: dict[str, StepInfo] = {}
        for attr in dir(cls):
            member = inspect.getattr_static(cls, attr, None)
            if callable(member) and getattr(member, "_vxmlkit_step", False):
                signature = inspect.signature(member)
                parameters = list(signature.parameters.values())[2:]  # self, call
                if len(signature.parameters) < 2:
                    raise FlowDefinitionError(f"step {cls.__qualname__}.{attr} must take (self, call, ...)")
                inputs = frozenset(p.name for p in parameters if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY))
                steps[attr] = StepInfo(
                    name=attr,
                    start=bool(member._vxmlkit_start),
                    inputs=inputs,
                    accepts_any=any(p.kind is p.VAR_KEYWORD for p in parameters),
                    annotations=_input_annotations(member, inputs),
                    required=frozenset(p.name for p in parameters if p.name in inputs and p.default is p.empty),
                )
        starts = [s.name for s in steps.values() if s.start]
        if len(starts) != 1:
            raise FlowDefinitionError(
                f"flow {name!r} must have exactly one @step(start=True), found {len(starts)}: {starts}"
            )
        cls.Params.declared()  # fail at definition on an unsupported parameter type
        cls.steps = steps
        cls.start_step = starts[0]
        cls._check_definition()

    @classmethod
    def _check_definition(cls) -> None:
        """Catch mistakes in the steps' code when the class is defined, not during a call
        (see :mod:`vxmlkit.definition`)."""
        from .definition import check_steps

        check_steps(cls)

    def on_result(self, result: Any) -> None:
        """Called when Plum reports how the call ended (its result_url POST), once the result
        is stored.

        ``result`` is a :class:`vxmlkit.results.CallResult`. If this raises, the error is
        logged and the result is kept. It runs at least once per result: if the process dies
        inside it, it runs again later, so make it idempotent (key what it does by
        ``message_reference`` and ``call_id``).
        """

    @classmethod
    def start_url(cls, app: Any = None) -> str:
        """This flow's signed, absolute start_url on ``app`` (default: the current app)."""
        return cls._urls(app).start_url

    @classmethod
    def result_url(cls, app: Any = None) -> str:
        """This flow's signed, absolute result_url on ``app`` (default: the current app)."""
        return cls._urls(app).result_url

    @classmethod
    def _urls(cls, app: Any) -> Any:
        from flask import current_app

        from .urls import flow_urls

        return flow_urls(app if app is not None else current_app._get_current_object(), cls.name)

    def run_step(self, call: Call, step_name: str, inputs: Mapping[str, Any],
                 kinds: Mapping[str, str] | None = None) -> Any:
        """Run the step ``step_name`` with the inputs it accepts, typed.

        ``kinds`` names the grammar each input was asked with (see
        :func:`vxmlkit.answers.answer_kinds`); the step receives each answer as that grammar's
        Python type, or as its parameter's annotation asks (``str``: the posted text).
        """
        info = self.steps[step_name]
        method = getattr(self, step_name)
        kinds = kinds or {}
        objects = [name for name in info.inputs | set(kinds) if kinds.get(name) in ("srgs", None)]
        posted = rebuild_objects(inputs, objects)
        kwargs = {name: _typed(name, value, kinds.get(name), info.annotations.get(name))
                  for name, value in posted.items() if info.accepts_any or name in info.inputs}
        call.step = step_name
        return method(call, **kwargs)


def _input_annotations(function: Callable[..., Any], inputs: frozenset[str]) -> dict[str, Any]:
    """The annotations of a step's input parameters, resolved where they can be."""
    try:
        hints = get_type_hints(function)
    except Exception:  # noqa: BLE001 - a name the module cannot resolve: keep the written text
        hints = dict(getattr(function, "__annotations__", {}))
    resolved = {"str": str, "bool": bool, "int": int, "float": float, "Decimal": Decimal,
                "date": _dt.date, "datetime.date": _dt.date}
    return {name: resolved.get(hint, hint) if isinstance(hint, str) else hint
            for name, hint in hints.items() if name in inputs}


def _typed(name: str, value: Any, kind: str | None, annotation: Any) -> Any:
    """One answer as the step receives it: its grammar's type, or what the annotation asks."""
    if annotation is str:
        return value
    typed = read_answer(name, kind, value)
    if annotation in _SUPPORTED_TYPES and isinstance(value, str) and not _is_instance(typed, annotation):
        try:
            return _convert(name, value, annotation)
        except ParameterError as exc:
            raise AnswerError(name, annotation.__name__, value) from exc
    return typed


def _is_instance(value: Any, kind: type) -> bool:
    # bool is an int and datetime a date, but neither stands in for the other here.
    if kind in (int, float, Decimal) and isinstance(value, bool):
        return False
    return isinstance(value, kind) and not (kind is _dt.date and isinstance(value, _dt.datetime))


_ROUTE_FILES = frozenset(os.path.join(os.path.dirname(__file__), name) for name in ("blueprints.py", "flow.py"))


def step_failure(exc: BaseException, where: str, outside: BaseException | None = None) -> str:
    """The text of a step's failure, the flow author's exception first.

    The traceback starts at the step's own code (vxmlkit's request handling before it is left
    out), and ``outside``, the exception that was being handled when the request came in (the
    voice browser's transition when the simulator calls the app in-process), is not shown as
    the cause of the step's error.
    """
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if outside is not None and current.__context__ is outside:
            current.__context__ = None
        current = current.__cause__ or current.__context__
    tb = exc.__traceback__
    while tb is not None and tb.tb_next is not None and tb.tb_frame.f_code.co_filename in _ROUTE_FILES:
        tb = tb.tb_next
    if tb is not None and tb.tb_frame.f_code.co_filename in _ROUTE_FILES:
        tb = exc.__traceback__  # vxmlkit's own error: keep every frame
    headline = "".join(traceback.format_exception_only(type(exc), exc)).strip()
    body = "".join(traceback.format_exception(type(exc), exc, tb))
    return f"{where} raised {headline}\n{body}"
