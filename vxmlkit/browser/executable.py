"""Executable content (VoiceXML 2.0 chapter 5, 2.1 additions): runs without ever waiting.

``<var> <assign> <clear> <if> <prompt> <log> <script> <throw> <goto> <submit> <exit> <return>
<disconnect> <reprompt> <data> <foreach>`` and inline prompt content (text, ``<value>``,
``<audio>``, SSML). Transitions and events leave as exceptions (see :mod:`.events`).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .activation import GrammarSet
from .document import (
    HANDLER_TAGS,
    VOICEXML_ELEMENTS,
    VXML_NS,
    Document,
    FormItem,
    element_children,
    local_name,
    xml_to_json_tree,
)
from .events import (
    DialogTransition,
    ExitCall,
    GotoItem,
    ReturnFromSubdialog,
    VxmlEvent,
    matched_event_name,
)
from .fetching import FetchError, FetchRequest, FormValue, Upload, resolve_url
from .prompts import SSML_CONTAINERS, SSML_SKIPPED, SSML_WORD_BREAKS, AudioClip, QueuedPrompt, normalise
from .scripting import UNDEFINED, Scope, is_identifier

if TYPE_CHECKING:
    from .interpreter import DocContext, FormState, Interpreter, Recognition

__all__ = ["Env", "Executor", "parse_seconds"]

_TIME = re.compile(r"^\s*(\d+(?:\.\d*)?|\.\d+)\s*(ms|s)?\s*$")


def parse_seconds(text: str) -> float:
    """A CSS2 time designation ("5s", "500ms") in seconds; a bare number counts as milliseconds."""
    match = _TIME.match(text or "0s")
    if not match:
        raise VxmlEvent("error.semantic", f"{text!r} is not a time designation such as 5s or 500ms")
    value = float(match.group(1))
    return value if match.group(2) == "s" else value / 1000.0


@dataclass
class Env:
    """Where executable content runs: the context, the dialog state, the scope chain, the item."""

    ctx: DocContext
    state: FormState | None
    chain: tuple[Scope, ...]
    item: FormItem | None
    owner: Any = None  # the menu or field whose choices <enumerate> lists
    reprompt: bool = False

    @property
    def doc(self) -> Document:
        """The current document."""
        return self.ctx.doc


Node = Any  # a text string or an lxml element


def _nodes(container: Any) -> list[Node]:
    nodes: list[Node] = []
    if container.text:
        nodes.append(container.text)
    for child in container:
        if isinstance(child.tag, str):
            nodes.append(child)
        if child.tail:
            nodes.append(child.tail)
    return nodes


_INLINE = frozenset(("value", "audio", "enumerate", "break", "sub", "mark")) | SSML_CONTAINERS | SSML_SKIPPED
_IGNORED_IN_EXECUTION = frozenset(("grammar", "property", "filled", "param", "link", "option")) | HANDLER_TAGS
# the namespaces of prompt markup; an element of any other namespace is foreign (a BML gesture, say)
_PROMPT_NAMESPACES = frozenset((VXML_NS, "http://www.w3.org/2001/10/synthesis"))


def _foreign(node: Any) -> bool:
    """True for an element in a namespace that is neither VoiceXML nor SSML."""
    tag = node.tag
    return tag.startswith("{") and tag[1:].partition("}")[0] not in _PROMPT_NAMESPACES


class Executor:
    """Runs executable content for one call."""

    def __init__(self, interpreter: Interpreter) -> None:
        self.interp = interpreter
        self.js = interpreter.js
        self.session = interpreter.session
        self.grammars = GrammarSet(interpreter)
        self._clips: list[AudioClip] | None = None  # the clips of the prompt being rendered
        self._audio_outcomes: dict[str, tuple[bool, int | None, str | None]] = {}  # fetched once per call

    # -- errors -----------------------------------------------------------------------------

    def _event(self, env: Env, name: str, message: str, element: Any) -> VxmlEvent:
        return VxmlEvent(name, message, line=element.sourceline if element is not None else None, url=env.doc.url)

    def _unsupported(self, env: Env, element: Any, where: str) -> VxmlEvent:
        tag = local_name(element)
        if tag in VOICEXML_ELEMENTS:
            return self._event(env, "error.badfetch", f"<{tag}> may not appear {where}", element)
        return self._event(env, f"error.unsupported.{tag}", f"<{tag}> is not supported {where} by the vxmlkit browser", element)

    def _evaluation(self, env: Env, element: Any, action: Any) -> Any:
        """Run ``action`` and put the element's line on any event it throws."""
        try:
            return action()
        except VxmlEvent as event:
            if event.line is None:
                event.line = element.sourceline
                event.url = env.doc.url
            raise

    # -- running ----------------------------------------------------------------------------

    def run(self, env: Env, container: Any) -> None:
        """Run the content of a block, filled, catch or similar container."""
        self.run_nodes(env, _nodes(container))

    def run_nodes(self, env: Env, nodes: list[Node]) -> None:
        """Run executable nodes in order; inline prompt content in a row becomes one prompt."""
        inline: list[Node] = []
        for node in nodes:
            if isinstance(node, str):
                inline.append(node)
                continue
            tag = local_name(node)
            if tag in _INLINE or _foreign(node):
                inline.append(node)
                continue
            if inline:
                self.queue_inline(env, inline)
                inline = []
            self.interp.tick(node)
            self.element(env, node, tag)
        if inline:
            self.queue_inline(env, inline)

    def queue_inline(self, env: Env, inline: list[Node]) -> None:
        """Queue bare prompt content (text, ``<value>``, ``<audio>`` ...) as one prompt."""
        if all(isinstance(node, str) and not node.strip() for node in inline):
            return
        text, clips = self.render_prompt(env, inline)
        self.session._queue.append(QueuedPrompt(text=text, bargein=self._bargein(env, None), audio=clips))

    def render_prompt(self, env: Env, nodes: list[Node]) -> tuple[str, list[AudioClip]]:
        """A prompt's words (normalised) and the audio clips it plays, each fetched once per call."""
        outer, self._clips = self._clips, []
        try:
            text = normalise(self.render(env, nodes))
            return text, self._clips
        finally:
            self._clips = outer

    def element(self, env: Env, element: Any, tag: str) -> None:
        """Run one executable element."""
        self.js.use(env.chain)
        handler = getattr(self, "_do_" + tag.replace("-", "_"), None)
        if handler is None:
            if tag in _IGNORED_IN_EXECUTION:
                return
            raise self._unsupported(env, element, "in executable content")
        self._evaluation(env, element, lambda: handler(env, element))

    def declaration(self, env: Env, element: Any) -> None:
        """A ``<var>``, ``<script>`` or ``<data>`` at document or form level."""
        self.js.use(env.chain)
        tag = local_name(element)
        self._evaluation(env, element, lambda: getattr(self, "_do_" + tag)(env, element))

    # -- variables --------------------------------------------------------------------------

    def _do_var(self, env: Env, element: Any) -> None:
        name = element.get("name")
        if not name or not is_identifier(name):
            raise self._event(env, "error.semantic", f"<var name={name!r}> is not a valid variable name", element)
        self.js.declare(name, element.get("expr"))

    def _do_assign(self, env: Env, element: Any) -> None:
        name, expr = element.get("name"), element.get("expr")
        if not name or expr is None:
            raise self._event(env, "error.badfetch", "<assign> needs name and expr", element)
        self.js.assign(name, expr)

    def _do_clear(self, env: Env, element: Any) -> None:
        names = (element.get("namelist") or "").split()
        state = env.state
        if not names and state is not None:
            names = [item.name for item in state.model.items]
        for name in names:
            self.js.assign_value(name, UNDEFINED)
            if state is not None and name in state.model.by_name:
                state.prompt_counts[name] = 1
                state.event_counts.pop(name, None)

    def _do_script(self, env: Env, element: Any) -> None:
        source = element.text or ""
        src = element.get("src")
        if element.get("srcexpr"):
            src = self.js.eval_str(element.get("srcexpr"))
        if src:
            url = resolve_url(element.base or env.doc.base, src)
            timeout = element.get("fetchtimeout")
            response = self.session.fetch(FetchRequest(url=url, timeout=parse_seconds(timeout) if timeout else None))
            source = response.body.decode(element.get("charset") or "utf-8", errors="replace")
        self.js.run_script(source)

    # -- control ----------------------------------------------------------------------------

    def _do_if(self, env: Env, element: Any) -> None:
        branches: list[tuple[str | None, list[Node]]] = [(element.get("cond"), [])]
        if element.text:
            branches[0][1].append(element.text)
        for child in element:
            if not isinstance(child.tag, str):
                if child.tail:
                    branches[-1][1].append(child.tail)
                continue
            tag = local_name(child)
            if tag == "elseif":
                branches.append((child.get("cond"), []))
            elif tag == "else":
                branches.append((None, []))
            else:
                branches[-1][1].append(child)
            if child.tail:
                branches[-1][1].append(child.tail)
        for index, (cond, nodes) in enumerate(branches):
            if index == 0 and cond is None:
                raise self._event(env, "error.badfetch", "<if> needs a cond", element)
            if cond is None or self.js.eval_bool(cond):
                self.run_nodes(env, nodes)
                return

    def _do_throw(self, env: Env, element: Any) -> None:
        name = element.get("event")
        if element.get("eventexpr"):
            name = self.js.eval_str(element.get("eventexpr"))
        if not name:
            raise self._event(env, "error.badfetch", "<throw> needs event or eventexpr", element)
        message = element.get("message")
        if element.get("messageexpr"):
            message = self.js.eval_str(element.get("messageexpr"))
        raise VxmlEvent(name, message, line=element.sourceline, url=env.doc.url)

    def _do_goto(self, env: Env, element: Any) -> None:
        item = element.get("nextitem")
        if element.get("expritem"):
            item = self.js.eval_str(element.get("expritem"))
        target = element.get("next")
        if element.get("expr"):
            target = self.js.eval_str(element.get("expr"))
        if sum(bool(x) for x in (element.get("nextitem"), element.get("expritem"), element.get("next"), element.get("expr"))) != 1:
            raise self._event(env, "error.badfetch", "<goto> needs exactly one of next, expr, nextitem, expritem", element)
        if item:
            if env.state is None:
                raise self._event(env, "error.badfetch", f"<goto nextitem={item!r}> outside a form", element)
            raise GotoItem(item)
        raise self.transition_for(env, element, target or "", submit=False)

    def _do_submit(self, env: Env, element: Any) -> None:
        target = element.get("next")
        if element.get("expr"):
            target = self.js.eval_str(element.get("expr"))
        if not target:
            raise self._event(env, "error.badfetch", "<submit> needs next or expr", element)
        raise self.transition_for(env, element, target, submit=True)

    def transition_for(self, env: Env, element: Any, target: str, *, submit: bool, default_namelist: tuple[str, ...] | None = None) -> DialogTransition:
        """The transition a goto/submit/subdialog/link/choice makes to ``target``."""
        fetchaudio = element.get("fetchaudio")
        if fetchaudio is None:
            fetchaudio = self.interp.properties(env.state, env.ctx, env.item.element if env.item else None).get("fetchaudio") or None
        if fetchaudio:
            fetchaudio = resolve_url(element.base or env.doc.base, fetchaudio)
        if target.startswith("#") and not submit:
            return DialogTransition(url=None, dialog=target[1:] or None, fetchaudio=fetchaudio)
        url = resolve_url(element.base or env.doc.base, target)
        address, _, fragment = url.partition("#")
        timeout_text = element.get("fetchtimeout") or self.interp.properties(env.state, env.ctx, None).get("fetchtimeout")
        timeout = parse_seconds(timeout_text) if timeout_text else None
        data: dict[str, FormValue] | None = None
        method = "GET"
        enctype = "application/x-www-form-urlencoded"
        if submit:
            method = (element.get("method") or "get").upper()
            if method not in ("GET", "POST"):
                raise self._event(env, f"error.unsupported.{local_name(element)}", f"method {method!r} is not get or post", element)
            enctype = element.get("enctype") or enctype
            if enctype not in ("application/x-www-form-urlencoded", "multipart/form-data"):
                raise self._event(
                    env,
                    f"error.unsupported.{local_name(element)}",
                    f"enctype {enctype!r} is not application/x-www-form-urlencoded or multipart/form-data",
                    element,
                )
            names = element.get("namelist")
            if names is not None:
                namelist = tuple(names.split())
            elif default_namelist is not None:
                namelist = default_namelist
            elif env.state is not None:
                namelist = tuple(item.name for item in env.state.model.items if item.tag in ("field", "record", "transfer", "subdialog", "object"))
            else:
                namelist = ()
            data = self.form_data(env, namelist, multipart=enctype.startswith("multipart/"))
        request = FetchRequest(url=address, method=method, data=data, enctype=enctype, timeout=timeout)
        return DialogTransition(url=address, dialog=fragment or None, request=request, fetchaudio=fetchaudio, submitted=submit)

    def form_data(self, env: Env, names: tuple[str, ...], *, multipart: bool) -> dict[str, FormValue]:
        """Namelist variables as form fields (objects flattened as name.key, recordings as uploads)."""
        data: dict[str, FormValue] = {}
        self.js.use(env.chain)
        for name in names:
            value = self.js.eval_json(name)
            self._flatten(name, value, data, multipart)
        return data

    def _flatten(self, name: str, value: Any, data: dict[str, FormValue], multipart: bool) -> None:
        if isinstance(value, dict) and isinstance(value.get("$recording"), int):
            audio = self.interp.recordings.get(value["$recording"], b"")
            upload = Upload(filename=f"{name}.wav", content=audio, content_type=value.get("type") or "audio/x-wav")
            data[name] = upload if multipart else upload.filename
        elif isinstance(value, dict):
            if not value:
                data[name] = ""
            for key, inner in value.items():
                self._flatten(f"{name}.{key}", inner, data, multipart)
        else:
            data[name] = _form_text(value)

    def _do_exit(self, env: Env, element: Any) -> None:
        expr = element.get("expr")
        value = None
        if expr is not None:
            value = self.js.eval_json(expr)
            value = None if value is UNDEFINED else value
        namelist = self._namelist(env, element)
        raise ExitCall(expr=value, namelist=namelist, explicit=True)

    def _namelist(self, env: Env, element: Any) -> dict[str, Any]:
        values: dict[str, Any] = {}
        for name in (element.get("namelist") or "").split():
            value = self.js.eval_json(name)
            values[name] = None if value is UNDEFINED else value
        return values

    def _do_return(self, env: Env, element: Any) -> None:
        if not env.ctx.subdialog:
            raise self._event(env, "error.semantic", "<return> outside a subdialog", element)
        event = element.get("event")
        if element.get("eventexpr"):
            event = self.js.eval_str(element.get("eventexpr"))
        message = element.get("message")
        if element.get("messageexpr"):
            message = self.js.eval_str(element.get("messageexpr"))
        raise ReturnFromSubdialog(namelist=self._namelist(env, element), event=event, message=message)

    def _do_disconnect(self, env: Env, element: Any) -> None:
        self.session.disconnect_namelist = self._namelist(env, element)
        self.interp.flush_prompts()
        if self.interp.ending is None:
            self.interp.ending = "disconnect"
        self.interp.final = True
        raise VxmlEvent("connection.disconnect.hangup", "the document disconnected the call", line=element.sourceline, url=env.doc.url)

    def _do_reprompt(self, env: Env, element: Any) -> None:
        env.reprompt = True

    def _do_log(self, env: Env, element: Any) -> None:
        text = normalise(self.render(env, _nodes(element), in_log=True))
        if element.get("expr"):
            text = (text + " " if text else "") + self.js.eval_str(element.get("expr"))
        data = {"label": element.get("label")} if element.get("label") else {}
        self.session._note("log", text, data)

    # -- VoiceXML 2.1 ------------------------------------------------------------------------

    def _do_data(self, env: Env, element: Any) -> None:
        src = element.get("src")
        if element.get("srcexpr"):
            src = self.js.eval_str(element.get("srcexpr"))
        if not src:
            raise self._event(env, "error.badfetch", "<data> needs src or srcexpr", element)
        transition = self.transition_for(env, element, src, submit=True, default_namelist=())
        request = transition.request or FetchRequest(url=src)
        if transition.fetchaudio:
            self.interp.flush_prompts()
            self.session._note("fetchaudio", transition.fetchaudio, {"url": request.url})
        response = self.session.fetch(request)
        name = element.get("name")
        if name and not is_identifier(name):
            raise self._event(env, "error.semantic", f"<data name={name!r}> is not a valid variable name", element)
        depth = len(env.chain) - 1
        found = self._declared_depth(env, name) if name else None
        if "json" in response.content_type.lower():
            # Plum's extension: a JSON answer becomes a plain ECMAScript value
            try:
                value = json.loads(response.body)
            except ValueError as exc:
                raise self._event(env, "error.badfetch", f"the JSON answer of {request.url} does not parse: {exc}", element) from None
            if name:
                self.js.set_value(name, value, depth=depth if found is None else found)
            return
        tree = xml_to_json_tree(response.body, request.url)
        if name:
            self.js.set_dom(name, json.dumps(tree), depth=depth if found is None else found)

    def _declared_depth(self, env: Env, name: str) -> int | None:
        for depth in range(len(env.chain) - 1, -1, -1):
            if self.js.has(name, depth=depth):
                return depth
        return None

    def _do_foreach(self, env: Env, element: Any) -> None:
        array, item = element.get("array"), element.get("item")
        if not array or not item:
            raise self._event(env, "error.badfetch", "<foreach> needs array and item", element)
        length = self.js.push_array(array)
        try:
            nodes = _nodes(element)
            for index in range(length):
                self.interp.tick(element)
                self.js.use(env.chain)
                self.js.set_item(item, index)
                self.run_nodes(env, nodes)
        finally:
            self.js.pop_array()

    # -- prompts ------------------------------------------------------------------------------

    def _do_prompt(self, env: Env, element: Any) -> None:
        self.queue_prompt(env, element, check_cond=True)

    def queue_prompt(self, env: Env, element: Any, *, check_cond: bool) -> None:
        """Render a ``<prompt>`` and queue it."""
        self.js.use(env.chain)
        if check_cond and element.get("cond") and not self.js.eval_bool(element.get("cond")):
            return
        text, clips = self._evaluation(env, element, lambda: self.render_prompt(env, _nodes(element)))
        timeout = parse_seconds(element.get("timeout")) if element.get("timeout") else None
        self.session._queue.append(QueuedPrompt(text=text, bargein=self._bargein(env, element), timeout=timeout, audio=clips))

    def _bargein(self, env: Env, element: Any) -> bool:
        if element is not None and element.get("bargein") is not None:
            return element.get("bargein") == "true"
        props = self.interp.properties(env.state, env.ctx, env.item.element if env.item is not None and env.item.tag != "menu" else None)
        return props.get("bargein", "true") == "true"

    def render(self, env: Env, nodes: list[Node], *, in_log: bool = False) -> str:
        """Flatten prompt content (text, SSML, ``<value>``, ``<audio>``, ``<enumerate>``) to text
        as it would be spoken: whitespace in the source separates words; inline elements (say-as,
        emphasis, prosody, sub, value, audio fallback ...) add no space of their own, while
        ``<break>``, ``<p>`` and ``<s>`` do separate words."""
        out: list[str] = []
        for node in nodes:
            if isinstance(node, str):
                out.append(node)
                continue
            tag = local_name(node)
            self.js.use(env.chain)
            if tag == "value":
                expr = node.get("expr")
                if expr is None:
                    raise self._event(env, "error.badfetch", "<value> needs expr", node)
                audio = self._evaluation(env, node, lambda expr=expr: self.js.eval_audio(expr))
                if isinstance(audio, dict):
                    out.append(" " + _audio_text(audio) + " ")
                else:
                    out.append(audio if audio is not None else self.js.eval_str(expr))
            elif tag == "audio":
                out.append(self._audio(env, node))
            elif tag in SSML_WORD_BREAKS:
                out.append(" " + self.render(env, _nodes(node)) + " ")
            elif tag in SSML_CONTAINERS:
                out.append(self.render(env, _nodes(node)))
            elif tag == "break":
                out.append(" ")
            elif tag == "sub":
                out.append(node.get("alias") or self.render(env, _nodes(node)))
            elif tag == "mark":
                if node.get("nameexpr"):
                    self.js.eval_str(node.get("nameexpr"))
                elif not node.get("name"):
                    raise self._event(env, "error.badfetch", "<mark> needs name or nameexpr", node)
            elif tag == "enumerate":
                out.append(" " + self._enumerate(env, node) + " ")
            elif tag == "foreach":
                out.append(" " + self._render_foreach(env, node) + " ")
            elif tag in SSML_SKIPPED:
                continue
            elif _foreign(node):
                # SSML 1.0 section 2.2.3 lets a processor ignore markup of other namespaces, as
                # platforms do: the element does nothing, the text inside it is still spoken
                qualified = f"{node.prefix}:{tag}" if node.prefix else tag
                self.session._note(
                    "ignored",
                    f"<{qualified}> (namespace {node.tag[1:].partition('}')[0]}) is foreign markup: ignored, its text spoken",
                    {"element": qualified, "namespace": node.tag[1:].partition("}")[0], "line": node.sourceline},
                )
                out.append(self.render(env, _nodes(node), in_log=in_log))
            else:
                raise self._unsupported(env, node, "in prompts" if not in_log else "in <log>")
        return "".join(out)

    def _audio(self, env: Env, element: Any) -> str:
        source: Any = element.get("src")
        if element.get("expr") is not None:
            source = self._evaluation(env, element, lambda: self.js.eval_audio(element.get("expr")))
            if source is None:
                return ""
        if isinstance(source, dict):
            return " " + _audio_text(source) + " "
        if not source:
            raise self._event(env, "error.badfetch", "<audio> needs src or expr", element)
        # The fallback stands in the text in line with the words around it (it says what the
        # recording says); the file itself is recorded as a clip, never read out as its URI.
        fallback = self.render(env, _nodes(element))
        if self._clips is not None:
            base = element.base or env.doc.base
            uri = resolve_url(base, source)
            self._clips.append(self._audio_clip(env, element, uri, normalise(fallback)))
        return fallback if fallback.strip() else " "

    def _audio_clip(self, env: Env, element: Any, uri: str, fallback: str) -> AudioClip:
        """Fetch an audio file (once per call) to learn whether it answers."""
        outcome = self._audio_outcomes.get(uri)
        if outcome is None:
            timeout_text = element.get("fetchtimeout") or self.interp.properties(env.state, env.ctx, None).get("fetchtimeout")
            request = FetchRequest(url=uri, timeout=parse_seconds(timeout_text) if timeout_text else None)
            try:
                response = self.session.fetch(request, quiet=True)
                outcome = (True, response.status, None)
            except FetchError as exc:
                outcome = (False, exc.status, str(exc))
            self._audio_outcomes[uri] = outcome
        answered, status, error = outcome
        return AudioClip(uri=uri, answered=answered, status=status, error=error, fallback=fallback)

    def _render_foreach(self, env: Env, element: Any) -> str:
        array, item = element.get("array"), element.get("item")
        if not array or not item:
            raise self._event(env, "error.badfetch", "<foreach> needs array and item", element)
        parts: list[str] = []
        length = self.js.push_array(array)
        try:
            nodes = _nodes(element)
            for index in range(length):
                self.js.use(env.chain)
                self.js.set_item(item, index)
                parts.append(self.render(env, nodes))
        finally:
            self.js.pop_array()
        return " ".join(parts)

    def _enumerate(self, env: Env, element: Any) -> str:
        owner = env.owner if env.owner is not None else (env.item.element if env.item is not None else None)
        if owner is None:
            raise self._event(env, "error.semantic", "<enumerate> outside a <menu> or a <field> with <option>s", element)
        choices = self.grammars.choices(env, owner)
        if not choices:
            raise self._event(env, "error.semantic", "<enumerate> in an element without choices", element)
        nodes = _nodes(element)
        parts: list[str] = []
        if not [node for node in nodes if not isinstance(node, str) or node.strip()]:
            for text, dtmf in choices:
                parts.append(f"For {text}, press {dtmf}." if dtmf else f"{text}.")
            return " ".join(parts)
        for text, dtmf in choices:
            scope = self.js.new_scope(None)
            chain = env.chain + (scope,)
            self.js.use(chain)
            self.js.set_value("_prompt", text)
            self.js.set_value("_dtmf", dtmf if dtmf else UNDEFINED)
            inner = Env(ctx=env.ctx, state=env.state, chain=chain, item=env.item, owner=owner)
            parts.append(self.render(inner, nodes))
        self.js.use(env.chain)
        return " ".join(parts)

    # -- links, choices, handlers -----------------------------------------------------------------

    def follow(self, env: Env, element: Any, recognition: Recognition, *, owner_doc: Document | None) -> None:
        """A matched ``<link>`` or ``<choice>``: go to its target or throw its event."""
        target = element.get("next")
        self.js.use(env.chain)
        if element.get("expr"):
            target = self.js.eval_str(element.get("expr"))
        if target:
            base_env = env
            if owner_doc is not None and owner_doc is not env.doc and not target.startswith("#"):
                target = resolve_url(owner_doc.base, target)
            raise self.transition_for(base_env, element, target, submit=False)
        event = element.get("event")
        if element.get("eventexpr"):
            event = self.js.eval_str(element.get("eventexpr"))
        if event:
            message = element.get("message")
            if element.get("messageexpr"):
                message = self.js.eval_str(element.get("messageexpr"))
            raise VxmlEvent(event, message, line=element.sourceline, url=env.doc.url)
        raise self._event(env, "error.badfetch", f"<{local_name(element)}> needs next, expr, event or eventexpr", element)

    def select_handler(
        self, ctx: DocContext, state: FormState | None, scopes: list[tuple[Any, Document]], name: str, counts: dict[str, int]
    ) -> Any:
        """The ``<catch>`` for an event: in scope order, the handlers whose event is a prefix of
        the name and whose cond holds; among them the highest count not above that event's
        counter; the first such in scope and document order."""
        candidates: list[Any] = []
        for element, _doc in scopes:
            if state is not None and element is state.model.element:
                candidates.extend(state.model.handlers)
            else:
                candidates.extend(child for child in element_children(element) if local_name(child) in HANDLER_TAGS)
        candidates.extend(ctx.doc.handlers)
        if ctx.app.root is not None and ctx.app.root is not ctx.doc:
            candidates.extend(ctx.app.root.handlers)
        chain = state.chain if state is not None else ctx.chain
        matching: list[tuple[int, Any]] = []
        for handler in candidates:
            tag = local_name(handler)
            events = handler.get("event", "") if tag == "catch" else tag
            matched = matched_event_name(events, name)
            if matched is None:
                continue
            cond = handler.get("cond")
            if cond:
                self.js.use(chain)
                if not self.js.eval_bool(cond):
                    continue
            try:
                handler_count = int(handler.get("count", "1"))
            except ValueError:
                raise VxmlEvent("error.badfetch", f"count={handler.get('count')!r} is not a number", line=handler.sourceline, url=ctx.doc.url) from None
            if handler_count <= counts.get(matched, 0):
                matching.append((handler_count, handler))
        if not matching:
            return None
        best = max(handler_count for handler_count, _ in matching)
        return next(handler for handler_count, handler in matching if handler_count == best)


def _audio_text(recording: dict[str, Any]) -> str:
    return f"[recording {recording.get('duration', 0) / 1000:g} s]"


def _form_text(value: Any) -> str:
    if value is UNDEFINED or value is None:
        return ""
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (list, dict)):
        return json.dumps(value, separators=(",", ":"))
    return str(value)
