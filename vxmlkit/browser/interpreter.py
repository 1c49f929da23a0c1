"""The Form Interpretation Algorithm (VoiceXML 2.0 Appendix C, section 2.1.6) and the 2.1 additions.

The levels that can wait for the caller are generators (the call, each execution context, each
dialog, each form item that collects input): they ``yield`` an :class:`InputRequest` and receive
the caller's :class:`Input`. Subdialogs nest with ``yield from``. Executable content never waits
and is plain functions (in :mod:`vxmlkit.browser.executable`). No threads.
"""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Generator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from . import items
from .document import (
    Document,
    FormItem,
    FormModel,
    element_children,
    local_name,
)
from .events import (
    CallEnded,
    DialogTransition,
    ExitCall,
    GotoItem,
    InterpreterError,
    ReturnFromSubdialog,
    Transition,
    VxmlEvent,
)
from .executable import Env, Executor, parse_seconds
from .fetching import FetchRequest
from .platform import Input, InputRequest
from .scripting import UNDEFINED, Scope

if TYPE_CHECKING:
    from .session import Session

__all__ = ["ActiveGrammar", "Interpreter", "Recognition"]

Waiting = Generator[InputRequest, Input, Any]

_DEFAULT_PROPERTIES = {
    "timeout": "5s",
    "interdigittimeout": "5s",
    "termtimeout": "0s",
    "termchar": "#",
    "bargein": "true",
    "bargeintype": "speech",
    "inputmodes": "dtmf voice",
    "fetchtimeout": "30s",
    "fetchaudio": "",
    "completetimeout": "0s",
    "incompletetimeout": "0s",
    "maxspeechtimeout": "30s",
    "confidencelevel": "0.5",
    "universals": "none",
}

_REPROMPT_EVENTS = ("noinput", "nomatch", "help", "maxspeechtimeout")
_UNIVERSALS = ("help", "exit", "cancel")


@dataclass
class ActiveGrammar:
    """A grammar active for one collection and what it belongs to.

    ``kind`` is "item" (an input item's own grammar), "form" (a form-level grammar),
    "link", "choice" or "dialog" (a document-scoped grammar of another dialog).
    """

    grammar: Any
    kind: str
    owner: Any
    item: FormItem | None = None
    dialog: Any = None
    doc: Document | None = None


@dataclass
class Recognition:
    """A successful match of the caller's input."""

    utterance: str
    interpretation: Any
    confidence: float
    inputmode: str
    source: ActiveGrammar

    def result(self) -> dict[str, Any]:
        """The application.lastresult$ entry."""
        return {
            "utterance": self.utterance,
            "interpretation": self.interpretation,
            "confidence": self.confidence,
            "inputmode": self.inputmode,
        }


@dataclass
class AppContext:
    """The application: its root document (if any) and the application scope."""

    url: str | None
    root: Document | None
    scope: Scope


@dataclass
class DocContext:
    """One execution context's current document: its scope and chain."""

    doc: Document
    app: AppContext
    scope: Scope
    chain: tuple[Scope, ...]
    subdialog: bool
    initialised: bool = False
    event_counts: dict[str, int] = field(default_factory=dict)


@dataclass
class FormState:
    """The run-time state of the dialog being interpreted."""

    ctx: DocContext
    model: FormModel
    scope: Scope
    chain: tuple[Scope, ...]
    prompt_counts: dict[str, int] = field(default_factory=dict)
    event_counts: dict[str, dict[str, int]] = field(default_factory=dict)
    event_item: FormItem | None = None
    suppress_prompts_for: str | None = None

    @property
    def dialog_depth(self) -> int:
        """Index of the dialog scope in the chain."""
        return len(self.chain) - 1


class _SwitchDialog(Transition):
    """Internal: the next dialog is ready (its document loaded)."""

    def __init__(
        self,
        doc: Document,
        dialog: Any,
        recognition: Recognition | None,
        *,
        reload: bool = False,
        root: Document | None = None,
        dialog_id: str | None = None,
        submitted: bool = False,
    ) -> None:
        super().__init__(doc.url)
        self.submitted = submitted
        self.reload = reload
        self.root = root
        self.dialog_id = dialog_id
        self.doc = doc
        self.dialog = dialog
        self.recognition = recognition


class Interpreter:
    """Runs one call: owns the script engine, the transcript and the FIA generators."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.browser = session.browser
        self.js = session.js
        self.exec = Executor(self)
        self.max_steps = self.browser.max_steps
        self.steps = 0
        self.final = False  # the caller is gone: no more input, prompts unheard
        self.ending: str | None = None  # how the call ends once it ends (disconnect, hangup, transfer)
        self.session_scope = self.js.new_scope("session")
        self.recordings: dict[int, bytes] = {}

    # -- the call ---------------------------------------------------------------------------------

    def run(self, url: str, method: str, data: Mapping[str, str] | None) -> Waiting:
        """The whole call: returns when it has ended (the session holds how)."""
        session = self.session
        self.js.use((self.session_scope,))
        self.js.set_value(
            "connection",
            {
                "local": {"uri": session.dnis},
                "remote": {"uri": session.ani},
                "protocol": {"name": session.protocol, "version": "2.0"},
                "redirect": [],
                "aai": "",
                "originator": "remote",
                "callee_type": session.callee_type,
            },
            depth=0,
        )
        self.js.set_value("telephone", {"ani": session.ani, "dnis": session.dnis}, depth=0)
        self.js.set_value("id", uuid.uuid4().hex, depth=0)
        try:
            try:
                doc = self.load(FetchRequest(url=url.split("#", 1)[0], method=method, data=dict(data) if data else None))
            except VxmlEvent as event:
                raise CallEnded("error", event.name, event.describe()) from None
            fragment = url.split("#", 1)[1] if "#" in url else None
            yield from self.run_context(doc, fragment, app=None, params=None, subdialog=False)
            raise ExitCall()
        except ExitCall as exit_:
            self.flush_prompts()
            how = self.ending or exit_.how
            if exit_.explicit:
                session.exit = {"expr": exit_.expr, "namelist": exit_.namelist}
            session._end(how)
        except VxmlEvent as event:
            self.flush_prompts()
            session._end("error", event.name, event.describe())
        except CallEnded as ended:
            self.flush_prompts()
            session._end(ended.how, ended.error, ended.message)

    def tick(self, element: Any = None) -> None:
        """Count one interpreter step; a call past max_steps ends with an error."""
        self.steps += 1
        if self.steps > self.max_steps:
            where = ""
            if element is not None:
                where = f" (at <{local_name(element)}> line {element.sourceline})"
            raise CallEnded(
                "error",
                "error.vxmlkit.max_steps",
                f"the call ran more than {self.max_steps} interpreter steps without ending{where}: a loop?",
            )

    # -- fetching ---------------------------------------------------------------------------------

    def load(self, request: FetchRequest, *, fetchaudio: str | None = None) -> Document:
        """Fetch and parse a document (cached by URL and content); error.badfetch on failure."""
        if fetchaudio:
            self.flush_prompts()
            self.session._note("fetchaudio", fetchaudio, {"url": request.url})
        response = self.session.fetch(request, document=True)
        # the answer's URL (after redirects, or made absolute by the WSGI fetcher) is the base for relative URIs
        return self.browser._parse(response.url if "://" in response.url else request.url, response.body)

    # -- execution contexts -----------------------------------------------------------------------

    def enter_document(
        self, doc: Document, app: AppContext | None, root: Document | None = None, *, from_leaf: bool = False, submitted: bool = False
    ) -> DocContext:
        """Set up the scopes for ``doc``: keep the application while the root stays the same.

        A document without an ``application`` attribute is its own application root: its
        variables are the application's, so its leaf documents see them.
        """
        root_url = doc.application or doc.url.split("#", 1)[0]
        if app is not None and app.url == root_url and not (doc.application is None and (submitted or not from_leaf)):
            if doc.application is None:
                # the root document itself became the current document: its variables are kept
                return DocContext(doc=doc, app=app, scope=app.scope, chain=(self.session_scope, app.scope), subdialog=False, initialised=True)
            scope = self.js.new_scope("document")
            return DocContext(doc=doc, app=app, scope=scope, chain=(self.session_scope, app.scope, scope), subdialog=False)
        # a root document's document scope is the application scope
        app_scope = self.js.new_scope("application", alias="document" if doc.application is None else None)
        chain = (self.session_scope, app_scope)
        if doc.application is None:
            app = AppContext(url=root_url, root=doc, scope=app_scope)
            return DocContext(doc=doc, app=app, scope=app_scope, chain=chain, subdialog=False)
        if root is None or root.url.split("#", 1)[0] != doc.application:
            root = self.load(FetchRequest(url=doc.application))
        if root.application is not None:
            raise VxmlEvent(
                "error.semantic",
                f"the application root {doc.application} names its own application root: only one level is allowed",
                url=doc.url,
            )
        app = AppContext(url=root_url, root=root, scope=app_scope)
        self.initialise_document(DocContext(doc=root, app=app, scope=app_scope, chain=chain, subdialog=False))
        scope = self.js.new_scope("document")
        return DocContext(doc=doc, app=app, scope=scope, chain=(self.session_scope, app_scope, scope), subdialog=False)

    def initialise_document(self, ctx: DocContext) -> None:
        """Run the document-level ``<var>``, ``<script>`` and ``<data>`` in document order."""
        env = Env(ctx=ctx, state=None, chain=ctx.chain, item=None)
        for element in ctx.doc.declarations:
            self.tick(element)
            self.exec.declaration(env, element)

    def run_context(
        self,
        doc: Document,
        dialog_id: str | None,
        *,
        app: AppContext | None,
        params: dict[str, Any] | None,
        subdialog: bool,
    ) -> Waiting:
        """One execution context (the call's, or a subdialog's): dialogs until a return or the end."""
        ctx: DocContext | None = None
        pending: _SwitchDialog | None = _SwitchDialog(doc, None, None, reload=True, dialog_id=dialog_id)
        dialog: Any = None
        recognition: Recognition | None = None
        while True:
            if pending is not None:
                switch, pending = pending, None
                if ctx is None or switch.reload or switch.doc is not ctx.doc:
                    try:
                        ctx = self.enter_document(
                            switch.doc,
                            ctx.app if ctx is not None else app,
                            switch.root,
                            from_leaf=ctx is not None and ctx.app.root is not ctx.doc,
                            submitted=switch.submitted,
                        )
                    except VxmlEvent as event:
                        if ctx is None:
                            raise CallEnded("error", event.name, event.describe()) from None
                        pending = yield from self._document_event(ctx, event)
                        if pending is None:
                            raise CallEnded("error", event.name, event.describe()) from None
                        continue
                    ctx.subdialog = subdialog
                    try:
                        if not ctx.initialised:
                            ctx.initialised = True
                            self.initialise_document(ctx)
                        dialog = switch.dialog if switch.dialog is not None else ctx.doc.dialog_by_id(switch.dialog_id)
                    except VxmlEvent as event:
                        pending = yield from self._document_event(ctx, event)
                        if pending is None:
                            # handled without a transition: go on to the dialog, if it exists
                            try:
                                dialog = switch.dialog if switch.dialog is not None else ctx.doc.dialog_by_id(switch.dialog_id)
                            except VxmlEvent as missing:
                                raise CallEnded("error", missing.name, missing.describe()) from None
                        else:
                            continue
                    except _SwitchDialog as nested:
                        pending = nested
                        continue
                else:
                    dialog = switch.dialog
                recognition = switch.recognition
            assert ctx is not None
            try:
                if local_name(dialog) == "menu":
                    yield from self.run_menu(ctx, dialog)
                else:
                    yield from self.run_form(ctx, dialog, recognition, params)
                raise ExitCall()
            except _SwitchDialog as switch:
                pending = switch
                params = None
            except ReturnFromSubdialog as returned:
                return returned

    def _document_event(self, ctx: DocContext, event: VxmlEvent) -> Generator[InputRequest, Input, _SwitchDialog | None]:
        """An event outside any dialog (document initialisation): document and root handlers."""
        for _ in range(50):
            try:
                self.handle_event(ctx, None, None, event)
                return None
            except VxmlEvent as again:
                event = again
            except DialogTransition as transition:
                try:
                    return self.resolve_transition(ctx, transition)
                except VxmlEvent as again:
                    event = again
            except GotoItem as goto:
                event = VxmlEvent("error.badfetch", f"<goto nextitem={goto.item!r}> outside a form", url=ctx.doc.url)
        raise CallEnded("error", event.name, event.describe())
        yield  # pragma: no cover - makes this a generator

    def resolve_transition(self, ctx: DocContext, transition: DialogTransition) -> _SwitchDialog:
        """Fetch the target of a goto/submit/link (errors are thrown where the transition began)."""
        if transition.url is None:
            dialog = ctx.doc.dialog_by_id(transition.dialog)
            return _SwitchDialog(ctx.doc, dialog, transition.recognition)
        request = transition.request or FetchRequest(url=transition.url)
        doc = self.load(request, fetchaudio=transition.fetchaudio)
        dialog = doc.dialog_by_id(transition.dialog)
        root = None
        if doc.application is not None and doc.application != ctx.app.url:
            root = self.load(FetchRequest(url=doc.application))
        submitted = transition.request is not None and (transition.request.method != "GET" or bool(transition.request.data))
        return _SwitchDialog(doc, dialog, transition.recognition, reload=True, root=root, submitted=submitted or transition.submitted)

    # -- forms ------------------------------------------------------------------------------------

    def run_form(self, ctx: DocContext, element: Any, recognition: Recognition | None, params: dict[str, Any] | None) -> Waiting:
        """The FIA for one ``<form>``: initialise, then select / collect / process until a transition."""
        model = ctx.doc.form(element)
        scope = self.js.new_scope("dialog")
        state = FormState(ctx=ctx, model=model, scope=scope, chain=ctx.chain + (scope,))
        pending_event: VxmlEvent | None = None
        next_item: FormItem | None = None
        try:
            self.initialise_form(state, params)
        except VxmlEvent as event:
            pending_event = event
        while True:
            self.tick(element)
            try:
                if pending_event is not None:
                    current, pending_event = pending_event, None
                    item = state.event_item
                    reprompt = self.handle_event(ctx, state, item, current)
                    if not reprompt and item is not None:
                        state.suppress_prompts_for = item.name
                    continue
                state.event_item = None
                if recognition is not None:
                    found, recognition = recognition, None
                    self.process(state, None, found)
                    continue
                if next_item is not None:
                    item, next_item = next_item, None
                else:
                    item = self.select(state)
                if item is None:
                    raise ExitCall()
                if state.suppress_prompts_for is not None and state.suppress_prompts_for != item.name:
                    state.suppress_prompts_for = None
                state.event_item = item
                yield from self.visit(state, item)
            except VxmlEvent as event:
                pending_event = event
            except GotoItem as goto:
                target = model.by_name.get(goto.item)
                if target is None:
                    pending_event = VxmlEvent("error.badfetch", f"<goto nextitem={goto.item!r}>: no such form item", url=ctx.doc.url)
                else:
                    next_item = target
                    state.suppress_prompts_for = None
            except DialogTransition as transition:
                try:
                    raise self.resolve_transition(ctx, transition) from None
                except VxmlEvent as event:
                    pending_event = event

    def initialise_form(self, state: FormState, params: dict[str, Any] | None) -> None:
        """Declare the form's variables and form item variables in document order."""
        env = Env(ctx=state.ctx, state=state, chain=state.chain, item=None)
        remaining = dict(params) if params else {}
        undeclared: list[str] = []
        for element in state.model.declarations:
            self.tick(element)
            tag = local_name(element)
            if undeclared and tag in ("var", "script", "data"):
                self.js.use(state.chain)
                self.js.declare_unset(undeclared, depth=state.dialog_depth)
                undeclared.clear()
            if tag == "var" and element.get("name") in remaining:
                self.js.use(state.chain)
                self.js.set_value(element.get("name"), remaining.pop(element.get("name")))
            elif tag in ("var", "script", "data"):
                self.exec.declaration(env, element)
            else:
                item = next(i for i in state.model.items if i.element is element)
                self.js.use(state.chain)
                if element.get("expr") is None:
                    undeclared.append(item.name)  # declared together, in one crossing
                else:
                    self.js.declare_unset(undeclared, depth=state.dialog_depth)
                    undeclared.clear()
                    self.js.declare(item.name, element.get("expr"))
                if tag in ("field", "initial", "record", "transfer", "menu"):
                    state.prompt_counts[item.name] = 1
        self.js.use(state.chain)
        self.js.declare_unset(undeclared, depth=state.dialog_depth)
        if remaining:
            names = ", ".join(sorted(remaining))
            raise VxmlEvent(
                "error.semantic",
                f"<param> {names} matches no <var> of form {state.model.id!r} in the subdialog",
                url=state.ctx.doc.url,
                line=state.model.element.sourceline,
            )

    def select(self, state: FormState) -> FormItem | None:
        """The first form item whose guard condition is not satisfied (the unset items found in
        one crossing into JavaScript, conds evaluated only for those)."""
        self.js.use(state.chain)
        depth = state.dialog_depth
        items = state.model.items
        names = [item.name for item in items]
        index = self.js.first_unset(names, 0, depth=depth)
        while index >= 0:
            item = items[index]
            cond = item.element.get("cond")
            if not cond or self.js.eval_bool(cond):
                return item
            index = self.js.first_unset(names, index + 1, depth=depth)
        return None

    def visit(self, state: FormState, item: FormItem) -> Waiting:
        """The collect and process phases for one form item."""
        tag = item.tag
        if tag == "block":
            env = Env(ctx=state.ctx, state=state, chain=state.chain + (self.js.new_scope(None),), item=item)
            self.js.use(env.chain)  # the block's own chain: its content runs there next
            self.js.set_value(item.name, True, depth=state.dialog_depth)
            self.exec.run(env, item.element)
            return
        if tag == "object":
            raise VxmlEvent(
                "error.unsupported.objectname",
                "<object> is not supported by the vxmlkit browser",
                line=item.element.sourceline,
                url=state.ctx.doc.url,
            )
        if self.final:
            # the caller is gone: nothing more can be collected or transferred
            raise CallEnded(self.ending or "hangup")
        self.queue_item_prompts(state, item)
        if tag in ("field", "initial"):
            yield from self.collect_field(state, item)
        elif tag == "record":
            yield from items.collect_record(self, state, item)
        elif tag == "transfer":
            yield from items.do_transfer(self, state, item)
        elif tag == "subdialog":
            yield from items.do_subdialog(self, state, item)
        else:  # pragma: no cover - the document model only lists known form items
            raise InterpreterError(f"unknown form item <{tag}>")

    # -- prompts ----------------------------------------------------------------------------------

    def queue_item_prompts(self, state: FormState, item: FormItem) -> None:
        """Select the prompts of a form item (or menu) by count and cond, queue them, count up.

        Text, ``<audio>``, ``<value>`` and ``<enumerate>`` directly inside the item form an
        implicit prompt with count 1.
        """
        if state.suppress_prompts_for == item.name:
            state.suppress_prompts_for = None
            return
        element, ctx, chain, counts, name = item.element, state.ctx, state.chain, state.prompt_counts, item.name
        count = counts.get(name, 1)
        counts[name] = count + 1
        units = _prompt_units(element)
        if not units:
            return
        self.js.use(chain)
        eligible: list[tuple[int, Any]] = []
        for unit in units:
            if isinstance(unit, list):
                if count >= 1:
                    eligible.append((1, unit))
                continue
            cond = unit.get("cond")
            if cond and not self.js.eval_bool(cond):
                continue
            try:
                prompt_count = int(unit.get("count", "1"))
            except ValueError:
                raise VxmlEvent("error.badfetch", f"<prompt count={unit.get('count')!r}> is not a number", line=unit.sourceline, url=ctx.doc.url) from None
            if prompt_count <= count:
                eligible.append((prompt_count, unit))
        if not eligible:
            return
        best = max(prompt_count for prompt_count, _ in eligible)
        env = Env(ctx=ctx, state=state, chain=chain, item=item, owner=element)
        for prompt_count, unit in eligible:
            if prompt_count != best:
                continue
            if isinstance(unit, list):
                self.exec.queue_inline(env, unit)
            else:
                self.exec.queue_prompt(env, unit, check_cond=False)

    def flush_prompts(self) -> list[int]:
        """Play the queued prompts (the caller hears them unless gone); returns transcript indexes."""
        session = self.session
        played: list[int] = []
        for prompt in session._queue:
            if not prompt.text and not prompt.audio:
                continue
            clips = [clip.to_json() for clip in prompt.audio]
            if self.final:
                session.unheard.append(prompt.text)
                session._note("unheard", prompt.text, {"bargein": prompt.bargein, "audio": clips} if clips else {"bargein": prompt.bargein})
                continue
            for clip in prompt.audio:
                session.audio.append(clip)
                played.append(len(session.transcript))
                session._note("audio", clip.describe(), {"bargein": prompt.bargein, **clip.to_json()})
            if prompt.text:
                session.prompts.append(prompt.text)
                played.append(len(session.transcript))
                session._note("heard", prompt.text, {"bargein": prompt.bargein, "audio": clips} if clips else {"bargein": prompt.bargein})
        session._queue.clear()
        return played

    # -- waiting ----------------------------------------------------------------------------------

    def wait(self, request: InputRequest) -> Waiting:
        """Play the prompts, wait for the caller, return the input (hang-up becomes an event)."""
        if self.final:
            raise CallEnded(self.ending or "hangup")
        session = self.session
        timeouts = [prompt.timeout for prompt in session._queue if prompt.timeout is not None]
        if timeouts:
            request = dataclasses.replace(request, timeout=timeouts[-1])
        played = self.flush_prompts()
        given = yield request
        if given is None:
            raise InterpreterError("the call is waiting for input: send an Input")
        if request.private:
            session._note("input", given.describe(private=True), {"kind": given.kind, "item": request.name, "private": True})
        else:
            session._note("input", given.describe(), {"kind": given.kind, "value": given.value, "item": request.name})
        session._heard_mark = len(session.prompts)
        if given.barge_in:
            for index in played:
                entry = session.transcript[index]
                if entry.data.get("bargein"):
                    entry.data["cut_off"] = True
        if given.kind == "hangup":
            self.hang_up()
        return given

    def hang_up(self) -> None:
        """The caller is gone: final processing, then connection.disconnect.hangup."""
        self.final = True
        if self.ending is None:
            self.ending = "hangup"
        raise VxmlEvent("connection.disconnect.hangup", "the caller hung up")

    def properties(self, state: FormState | None, ctx: DocContext, element: Any | None) -> dict[str, str]:
        """The properties in effect for an element: item, dialog, document, root, defaults
        (cached in the document: documents are immutable)."""
        key = ("properties", ctx.app.root, state.model.element if state is not None else None, element)
        cached = ctx.doc.cache.get(key)
        if cached is not None:
            return cached  # type: ignore[no-any-return]
        merged = dict(_DEFAULT_PROPERTIES)
        if ctx.app.root is not None:
            merged.update(ctx.app.root.properties)
        merged.update(ctx.doc.properties)
        if state is not None:
            merged.update(state.model.properties)
        if element is not None:
            for child in element_children(element):
                if local_name(child) == "property":
                    merged[child.get("name", "")] = child.get("value", "")
        ctx.doc.cache[key] = merged
        return merged

    # -- grammars and recognition ------------------------------------------------------------------

    def active_grammars(self, state: FormState, item: FormItem | None, *, modal: bool = False) -> list[ActiveGrammar]:
        """Active grammars in precedence order: the item's, the form's, the document's, the root's."""
        ctx = state.ctx
        env = Env(ctx=ctx, state=state, chain=state.chain, item=item)
        active: list[ActiveGrammar] = []
        grammars = self.exec.grammars
        if item is not None:
            for grammar in grammars.item_grammars(env, item.element):
                active.append(ActiveGrammar(grammar, "item", item.element, item=item))
            for link in self._links_of(item.element):
                for grammar in grammars.link_grammars(env, link):
                    active.append(ActiveGrammar(grammar, "link", link, doc=ctx.doc))
            if modal:
                return active
        for element in state.model.grammars:
            for grammar in grammars.compile(env, element):
                active.append(ActiveGrammar(grammar, "form", element))
        for link in state.model.links:
            for grammar in grammars.link_grammars(env, link):
                active.append(ActiveGrammar(grammar, "link", link, doc=ctx.doc))
        active.extend(self._document_grammars(env, ctx.doc, state.model.element))
        if ctx.app.root is not None and ctx.app.root is not ctx.doc:
            active.extend(self._document_grammars(env, ctx.app.root, state.model.element))
        active.extend(self.universal_grammars(state, item))
        return active

    def universal_grammars(self, state: FormState, item: FormItem | None) -> list[ActiveGrammar]:
        """The platform's universal commands enabled by the ``universals`` property: saying
        "help", "exit" or "cancel" throws the event of that name."""
        props = self.properties(state, state.ctx, item.element if item is not None and item.tag != "menu" else None)
        enabled = props.get("universals", "none").split()
        if enabled == ["none"] or not enabled:
            return []
        names = list(_UNIVERSALS) if "all" in enabled else enabled
        active = []
        for name in names:
            if name not in _UNIVERSALS:
                raise VxmlEvent(
                    "error.unsupported.universals",
                    f"universal command {name!r} is not one the vxmlkit browser has (help, exit, cancel)",
                    url=state.ctx.doc.url,
                )
            active.append(ActiveGrammar(self.exec.grammars.universal(name), "universal", name))
        return active

    def _links_of(self, element: Any) -> list[Any]:
        return [child for child in element_children(element) if local_name(child) == "link"]

    def _document_grammars(self, env: Env, doc: Document, current: Any) -> list[ActiveGrammar]:
        """Links of a document and grammars of its dialogs scoped to the document."""
        active: list[ActiveGrammar] = []
        grammars = self.exec.grammars
        for link in doc.links:
            for grammar in grammars.link_grammars(env, link):
                active.append(ActiveGrammar(grammar, "link", link, doc=doc))
        for dialog in doc.dialog_order:
            if dialog is current:
                continue
            model = doc.form(dialog)
            if model.tag == "menu":
                if model.scope == "document":
                    for grammar, choice in grammars.menu_grammars(env, dialog):
                        active.append(ActiveGrammar(grammar, "choice", choice, dialog=dialog, doc=doc))
                continue
            for element in model.grammars:
                scope = element.get("scope") or model.scope
                if scope == "document":
                    for grammar in grammars.compile(env, element):
                        active.append(ActiveGrammar(grammar, "dialog", element, dialog=dialog, doc=doc))
        return active

    def recognise(self, given: Input, active: list[ActiveGrammar], props: dict[str, str], ctx: DocContext) -> Recognition:
        """Match the caller's input against the active grammars (noinput/nomatch as events)."""
        if given.kind == "noinput":
            raise VxmlEvent("noinput")
        if given.kind == "nomatch":
            raise self._nomatch(ctx, "", "voice")
        modes = props.get("inputmodes", "dtmf voice").split()
        if given.kind == "dtmf":
            if "dtmf" not in modes:
                raise VxmlEvent("noinput", "DTMF is not an active input mode here")
            keys = given.value
            termchar = props.get("termchar", "#")
            if termchar and termchar in keys:
                keys = keys[: keys.index(termchar)]
            text, mode, inputmode = keys, "dtmf", "dtmf"
        elif given.kind == "speech":
            if "voice" not in modes:
                raise VxmlEvent("noinput", "voice is not an active input mode here")
            text, mode, inputmode = given.value, "voice", "voice"
        else:
            raise InterpreterError(f"a {given.kind} input cannot answer a field")
        tags = self.exec.grammars.tag_context()
        grammar_errors = self.exec.grammars.errors()
        for candidate in active:
            grammar = candidate.grammar
            if grammar.mode != mode:
                continue
            try:
                match = grammar.match(text, tag_context=tags)
            except grammar_errors as exc:  # a failing semantic tag script, a bad grammar
                raise VxmlEvent("error.semantic", f"grammar tag failed: {exc}", url=ctx.doc.url) from None
            if match is not None:
                return Recognition(match.utterance, match.interpretation, match.confidence, inputmode, candidate)
        if mode == "dtmf" and any(c.grammar.mode == "dtmf" and c.grammar.is_prefix(text) for c in active):
            interdigit = props.get("interdigittimeout", "5s")
            raise self._nomatch(ctx, text, inputmode, f"{text!r} is incomplete: no more keys before the interdigit timeout ({interdigit})")
        raise self._nomatch(ctx, text, inputmode)

    def _nomatch(self, ctx: DocContext, utterance: str, inputmode: str, message: str | None = None) -> VxmlEvent:
        """The nomatch event; a nomatch counts as a recognition, so application.lastresult$ is
        set first (VoiceXML 2.0 section 5.1.5): what was heard, no interpretation, confidence 0."""
        self.js.use(ctx.chain)
        self.js.set_lastresult({"utterance": utterance, "confidence": 0.0, "inputmode": inputmode}, depth=1)
        return VxmlEvent("nomatch", message)

    def collect_field(self, state: FormState, item: FormItem) -> Waiting:
        """Wait for input for a ``<field>`` or ``<initial>`` and process it."""
        element = item.element
        modal = item.tag == "field" and element.get("modal", "false") == "true"
        active = self.active_grammars(state, item, modal=modal)
        props = self.properties(state, state.ctx, element)
        request = InputRequest(
            kind=item.tag,
            name=item.name,
            modes=tuple(props.get("inputmodes", "dtmf voice").split()),
            timeout=parse_seconds(props.get("timeout", "5s")),
            url=state.ctx.doc.url,
            line=element.sourceline,
            private=props.get("logging", "true") == "false",
            grammars=tuple(active),
        )
        given = yield from self.wait(request)
        recognition = self.recognise(given, active, props, state.ctx)
        self.process(state, item, recognition)

    def process(self, state: FormState, item: FormItem | None, recognition: Recognition) -> None:
        """The process phase for a recognition: links, choices, other dialogs, or filling items."""
        ctx = state.ctx
        self.js.use(state.chain)
        self.js.set_lastresult(recognition.result(), depth=1)
        source = recognition.source
        env = Env(ctx=ctx, state=state, chain=state.chain, item=item)
        if source.kind == "universal":
            raise VxmlEvent(source.owner, f"the caller said {recognition.utterance!r}")
        if source.kind in ("link", "choice"):
            self.exec.follow(env, source.owner, recognition, owner_doc=source.doc)
            return
        if source.kind == "dialog" and source.dialog is not state.model.element:
            assert source.doc is not None
            if source.doc is ctx.doc:
                raise DialogTransition(url=None, dialog=source.doc.id_of(source.dialog), recognition=recognition)
            raise DialogTransition(
                url=source.doc.url, dialog=source.doc.id_of(source.dialog), request=FetchRequest(source.doc.url), recognition=recognition
            )
        interpretation = recognition.interpretation
        just_filled: list[FormItem] = []
        if source.kind == "item" and source.item is not None:
            target = source.item
            slot = target.element.get("slot") or target.name
            value = interpretation
            if isinstance(interpretation, dict):
                found = _slot_value(interpretation, slot)
                if found is not _MISSING:
                    value = found
            self.fill(state, target, value, recognition)
            just_filled.append(target)
        elif isinstance(interpretation, dict):
            for candidate in state.model.items:
                if candidate.tag != "field":
                    continue
                slot = candidate.element.get("slot") or candidate.name
                found = _slot_value(interpretation, slot)
                if found is not _MISSING:
                    self.fill(state, candidate, found, recognition)
                    just_filled.append(candidate)
        if just_filled:
            self.after_filled(state, just_filled)

    def fill(self, state: FormState, item: FormItem, value: Any, recognition: Recognition | None, shadow: dict[str, Any] | None = None) -> None:
        """Set a form item variable and its shadow variables."""
        self.js.use(state.chain)
        depth = state.dialog_depth
        self.js.set_value(item.name, value, depth=depth)
        if shadow is None and recognition is not None:
            shadow = {
                "utterance": recognition.utterance,
                "inputmode": recognition.inputmode,
                "confidence": recognition.confidence,
                "interpretation": recognition.interpretation,
            }
        if shadow is not None:
            self.js.set_value(item.name + "$", shadow, depth=depth)

    def after_filled(self, state: FormState, just_filled: list[FormItem]) -> None:
        """Set the ``<initial>`` variables, then run the triggered ``<filled>`` actions in document order."""
        self.js.use(state.chain)
        depth = state.dialog_depth
        for candidate in state.model.items:
            if candidate.tag == "initial":
                self.js.set_value(candidate.name, True, depth=depth)
        names = {item.name for item in just_filled}
        for action in state.model.filled:
            if not names.intersection(action.names):
                continue
            self.js.use(state.chain)
            filled = self.js.count_set(list(action.names), depth=depth)
            triggered = filled > 0 if action.mode == "any" else filled == len(action.names)
            if not triggered:
                continue
            state.event_item = action.owner
            env = Env(ctx=state.ctx, state=state, chain=state.chain + (self.js.new_scope(None),), item=action.owner)
            self.exec.run(env, action.element)
        state.event_item = None

    # -- menus ------------------------------------------------------------------------------------

    def run_menu(self, ctx: DocContext, element: Any) -> Waiting:
        """A ``<menu>``: prompts with ``<enumerate>``, choices as grammars, a choice is a transition."""
        model = ctx.doc.form(element)
        scope = self.js.new_scope("dialog")
        state = FormState(ctx=ctx, model=model, scope=scope, chain=ctx.chain + (scope,))
        menu_item = FormItem(element=element, tag="menu", name=f"_menu_{model.id}", index=0)
        state.prompt_counts[menu_item.name] = 1
        pending_event: VxmlEvent | None = None
        while True:
            self.tick(element)
            try:
                if pending_event is not None:
                    current, pending_event = pending_event, None
                    if not self.handle_event(ctx, state, menu_item, current):
                        state.suppress_prompts_for = menu_item.name
                    continue
                state.event_item = menu_item
                if self.final:
                    raise CallEnded(self.ending or "hangup")
                self.queue_item_prompts(state, menu_item)
                env = Env(ctx=ctx, state=state, chain=state.chain, item=menu_item)
                active = [ActiveGrammar(grammar, "choice", choice, doc=ctx.doc) for grammar, choice in self.exec.grammars.menu_grammars(env, element)]
                for link in model.links:
                    for grammar in self.exec.grammars.link_grammars(env, link):
                        active.append(ActiveGrammar(grammar, "link", link, doc=ctx.doc))
                active.extend(self._document_grammars(env, ctx.doc, element))
                if ctx.app.root is not None and ctx.app.root is not ctx.doc:
                    active.extend(self._document_grammars(env, ctx.app.root, element))
                active.extend(self.universal_grammars(state, None))
                props = self.properties(state, ctx, None)
                request = InputRequest(
                    kind="menu",
                    name=model.id,
                    modes=tuple(props.get("inputmodes", "dtmf voice").split()),
                    timeout=parse_seconds(props.get("timeout", "5s")),
                    url=ctx.doc.url,
                    line=element.sourceline,
                    private=props.get("logging", "true") == "false",
                    grammars=tuple(active),
                )
                given = yield from self.wait(request)
                recognition = self.recognise(given, active, props, ctx)
                self.process(state, None, recognition)
            except VxmlEvent as event:
                pending_event = event
            except GotoItem as goto:
                pending_event = VxmlEvent("error.badfetch", f"<goto nextitem={goto.item!r}> inside a <menu>", url=ctx.doc.url)
            except DialogTransition as transition:
                try:
                    raise self.resolve_transition(ctx, transition) from None
                except VxmlEvent as event:
                    pending_event = event

    # -- events -----------------------------------------------------------------------------------

    def handle_event(self, ctx: DocContext, state: FormState | None, item: FormItem | None, event: VxmlEvent) -> bool:
        """Select and run the catch handler for an event; returns True when it asked to reprompt."""
        if state is not None:
            counts = state.event_counts.setdefault(item.name if item is not None else "", {})
        else:
            counts = ctx.event_counts
        # the counter of the full name and of every prefix of it (VoiceXML 2.0 section 5.2.2)
        parts = event.name.split(".")
        for end in range(1, len(parts) + 1):
            prefix = ".".join(parts[:end])
            counts[prefix] = counts.get(prefix, 0) + 1
        scopes: list[tuple[Any, Document]] = []
        if item is not None and item.tag != "menu":
            scopes.append((item.element, ctx.doc))
        if state is not None:
            scopes.append((state.model.element, ctx.doc))
        handler = self.exec.select_handler(ctx, state, scopes, event.name, counts)
        self.session._note("event", event.name, {"message": event.message} if event.message else {})
        if handler is None:
            return self.default_handler(event)
        anonymous = self.js.new_scope(None)
        base_chain = state.chain if state is not None else ctx.chain
        chain = base_chain + (anonymous,)
        self.js.use(chain)
        self.js.set_value("_event", event.name)
        self.js.set_value("_message", event.message if event.message is not None else UNDEFINED)
        env = Env(ctx=ctx, state=state, chain=chain, item=item)
        self.exec.run(env, handler)
        return env.reprompt

    def default_handler(self, event: VxmlEvent) -> bool:
        """The platform's handlers: reprompt for noinput/nomatch/help, exit for the rest."""
        name = event.name
        if name in _REPROMPT_EVENTS:
            return True
        if name == "cancel":
            return False
        if name == "exit":
            raise ExitCall()
        if name.startswith("connection.disconnect"):
            raise ExitCall(how=self.ending or "hangup")
        raise CallEnded("error", name, event.describe())


_MISSING = object()


def _slot_value(interpretation: dict[str, Any], slot: str) -> Any:
    value: Any = interpretation
    for part in slot.split("."):
        if not isinstance(value, dict) or part not in value:
            return _MISSING
        value = value[part]
    return value


_IMPLICIT_PROMPT_TAGS = frozenset(("audio", "value", "enumerate"))


def _prompt_units(element: Any) -> list[Any]:
    """The ``<prompt>`` children of an item and runs of bare prompt content, in document order."""
    units: list[Any] = []
    run: list[Any] = []

    def close() -> None:
        if run and any(not isinstance(node, str) or node.strip() for node in run):
            units.append(list(run))
        run.clear()

    if element.text:
        run.append(element.text)
    for child in element:
        if isinstance(child.tag, str):
            tag = local_name(child)
            if tag == "prompt":
                close()
                units.append(child)
            elif tag in _IMPLICIT_PROMPT_TAGS:
                run.append(child)
            else:
                close()
        if child.tail:
            run.append(child.tail)
    close()
    return units
