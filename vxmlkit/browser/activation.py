"""Grammar activation: compile the grammars of fields, forms, links, menus and options.

The grammar implementations live in :mod:`vxmlkit.browser.grammars`; this module decides which
element yields which compiled grammar, and caches what does not depend on run-time values in
the document that holds the element (a cached document serves many calls).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from lxml import etree

from .document import Document, element_children, local_name
from .events import InterpreterError, VxmlEvent
from .fetching import FetchRequest, resolve_url
from .prompts import normalise

if TYPE_CHECKING:
    from .executable import Env
    from .interpreter import Interpreter

__all__ = ["GrammarSet"]


def _grammars_module() -> Any:
    try:
        from . import grammars
    except ImportError as exc:  # pragma: no cover - the module ships with vxmlkit
        raise InterpreterError(f"vxmlkit.browser.grammars cannot be imported: {exc}") from exc
    return grammars


class GrammarSet:
    """Compiles and caches the grammars one call activates."""

    def __init__(self, interpreter: Interpreter) -> None:
        self.interp = interpreter
        self._tags: Any = None
        self._external: dict[tuple[str, str | None], Any] = {}

    def tag_context(self) -> Any:
        """Semantic tags run in the call's own QuickJS context."""
        if self._tags is None:
            self._tags = self.interp.js.tag_evaluator()
        return self._tags

    def errors(self) -> type[Exception]:
        """The exception the grammar module raises for a grammar or tag that fails."""
        return _grammars_module().GrammarError  # type: ignore[no-any-return]

    def _cache(self, env: Env, element: Any) -> dict[Any, Any]:
        root = env.ctx.app.root
        if root is not None and root is not env.doc and element.getroottree().getroot() is root.root:
            return root.cache
        return env.doc.cache

    def _doc_of(self, env: Env, element: Any) -> Document:
        root = env.ctx.app.root
        if root is not None and root is not env.doc and element.getroottree().getroot() is root.root:
            return root
        return env.doc

    def _error(self, exc: Exception, element: Any, doc: Document) -> VxmlEvent:
        module = _grammars_module()
        if isinstance(exc, module.TagError):
            name = "error.semantic"
        elif isinstance(exc, module.UnsupportedFormatError):
            name = "error.unsupported.format"
        else:
            name = "error.badfetch"
        return VxmlEvent(name, f"grammar: {exc}", line=element.sourceline, url=doc.url)

    def compile(self, env: Env, element: Any) -> list[Any]:
        """The compiled grammar of a ``<grammar>`` element (inline, src or srcexpr)."""
        dynamic = element.get("srcexpr") is not None
        cache = self._cache(env, element)
        if not dynamic and element in cache:
            return cache[element]
        module = _grammars_module()
        doc = self._doc_of(env, element)
        mode = element.get("mode")
        src = element.get("src")
        if dynamic:
            self.interp.js.use(env.chain)
            src = self.interp.js.eval_str(element.get("srcexpr"))
        try:
            module.check_grammar_type(element.get("type"), f"<grammar> line {element.sourceline}")
            if src:
                url = resolve_url(element.base or doc.base, src)
                if url.startswith("builtin:"):
                    grammar = module.builtin_grammar(url, mode=mode)
                else:
                    grammar = self._external_grammar(url, mode)
            else:
                grammar = self._inline_grammar(element, doc, mode)
        except VxmlEvent:
            raise
        except module.GrammarError as exc:
            raise self._error(exc, element, doc) from None
        result = [grammar]
        if not dynamic:
            cache[element] = result
        return result

    def _inline_grammar(self, element: Any, doc: Document, mode: str | None) -> Any:
        """An inline grammar, compiled once per browser for its content: documents that differ
        only in their (signed, fresh) URLs share the compiled grammar. A grammar that refers to
        other grammar documents is compiled each time, as what it refers to may change."""
        module = _grammars_module()
        if any((ref.get("uri") or "#")[:1] != "#" and not (ref.get("uri") or "").startswith("builtin:") for ref in element.iter("{*}ruleref", "ruleref")):
            return module.srgs_grammar(element, base_url=element.base or doc.base, mode=mode, load=self._load)
        key = (etree.tostring(element, with_tail=False), mode)
        cache = self.interp.browser.grammar_cache
        grammar = cache.get(key)
        if grammar is None:
            grammar = module.srgs_grammar(element, base_url=element.base or doc.base, mode=mode, load=self._load)
            if len(cache) >= 256:
                cache.clear()
            cache[key] = grammar
        return grammar

    def _load(self, url: str) -> bytes:
        return self.interp.session.fetch(FetchRequest(url=url)).body

    def _external_grammar(self, url: str, mode: str | None) -> Any:
        key = (url, mode)
        if key not in self._external:
            address, _, rule = url.partition("#")
            body = self._load(address)
            self._external[key] = _grammars_module().srgs_grammar(body, base_url=address, mode=mode, load=self._load, rule=rule or None)
        return self._external[key]

    def item_grammars(self, env: Env, element: Any) -> list[Any]:
        """An input item's grammars: ``<grammar>`` children, the ``type`` builtin, the ``<option>`` list."""
        grammars: list[Any] = []
        for child in element_children(element):
            if local_name(child) == "grammar":
                grammars.extend(self.compile(env, child))
        field_type = element.get("type")
        if field_type and local_name(element) == "field":
            grammars.extend(self._builtin_type(env, element, field_type))
        options = [child for child in element_children(element) if local_name(child) == "option"]
        if options:
            grammars.extend(self._option_grammars(env, element, options))
        return grammars

    def _builtin_type(self, env: Env, element: Any, field_type: str) -> list[Any]:
        cache = self._cache(env, element)
        key = ("type", element)
        if key not in cache:
            module = _grammars_module()
            compiled = []
            for mode in ("dtmf", "voice"):
                try:
                    compiled.append(module.builtin_grammar(field_type, mode=mode))
                except module.GrammarError as exc:
                    raise VxmlEvent(
                        "error.unsupported.builtin",
                        f"<field type={field_type!r}>: {exc}",
                        line=element.sourceline,
                        url=self._doc_of(env, element).url,
                    ) from None
            cache[key] = compiled
        return cache[key]

    def _option_grammars(self, env: Env, element: Any, options: list[Any]) -> list[Any]:
        cache = self._cache(env, element)
        key = ("options", element)
        if key not in cache:
            module = _grammars_module()
            accept = element.get("accept", "exact")
            voice: list[tuple[Any, list[str]]] = []
            dtmf: list[tuple[Any, list[str]]] = []
            for option in options:
                text = normalise("".join(option.itertext()))
                value = option.get("value") if option.get("value") is not None else text
                if text:
                    voice.append((value, [text]))
                if option.get("dtmf"):
                    dtmf.append((value, [option.get("dtmf")]))
            compiled = []
            try:
                if dtmf:
                    compiled.append(module.choices_grammar(dtmf, mode="dtmf"))
                if voice:
                    compiled.append(module.choices_grammar(voice, mode="voice", accept=option.get("accept") or accept))
            except module.GrammarError as exc:
                raise self._error(exc, element, self._doc_of(env, element)) from None
            cache[key] = compiled
        return cache[key]

    def universal(self, name: str) -> Any:
        """The voice grammar of one universal command ("help", "exit", "cancel")."""
        key = ("universal", name)
        if key not in self._external:
            self._external[key] = _grammars_module().choices_grammar([(name, [name])], mode="voice")
        return self._external[key]

    def link_grammars(self, env: Env, link: Any) -> list[Any]:
        """A ``<link>``'s grammars (``<grammar>`` children and its ``dtmf`` attribute)."""
        cache = self._cache(env, link)
        key = ("link", link)
        if key in cache:
            return cache[key]
        grammars: list[Any] = []
        dynamic = False
        for child in element_children(link):
            if local_name(child) == "grammar":
                dynamic = dynamic or child.get("srcexpr") is not None
                grammars.extend(self.compile(env, child))
        if link.get("dtmf"):
            module = _grammars_module()
            grammars.append(module.choices_grammar([("link", [link.get("dtmf")])], mode="dtmf"))
        if not dynamic:
            cache[key] = grammars
        return grammars

    def choices(self, env: Env, owner: Any) -> list[tuple[str, str | None]]:
        """(text, dtmf key) of each ``<choice>`` of a menu or ``<option>`` of a field."""
        if local_name(owner) == "menu":
            return [(text, dtmf) for _, text, dtmf in self._menu_choices(env, owner)]
        result = []
        for option in element_children(owner):
            if local_name(option) == "option":
                result.append((normalise("".join(option.itertext())), option.get("dtmf")))
        return result

    def _menu_choices(self, env: Env, menu: Any) -> list[tuple[Any, str, str | None]]:
        numbered = menu.get("dtmf", "false") == "true"
        next_key = 1
        result = []
        for choice in element_children(menu):
            if local_name(choice) != "choice":
                continue
            nodes: list[Any] = []
            if choice.text:
                nodes.append(choice.text)
            for child in choice:
                if isinstance(child.tag, str) and local_name(child) != "grammar":
                    nodes.append(child)
                if child.tail:
                    nodes.append(child.tail)
            text = normalise(self.interp.exec.render(env, nodes))
            dtmf = choice.get("dtmf")
            if dtmf is None and numbered and next_key <= 9:
                dtmf = str(next_key)
                next_key += 1
            result.append((choice, text, dtmf))
        return result

    def menu_grammars(self, env: Env, menu: Any) -> list[tuple[Any, Any]]:
        """(grammar, choice element) for every choice of a menu, in document order."""
        module = _grammars_module()
        menu_accept = menu.get("accept", "exact")
        result: list[tuple[Any, Any]] = []
        cache = self._cache(env, menu)
        for choice, text, dtmf in self._menu_choices(env, menu):
            explicit = [child for child in element_children(choice) if local_name(child) == "grammar"]
            for grammar_element in explicit:
                for grammar in self.compile(env, grammar_element):
                    result.append((grammar, choice))
            accept = choice.get("accept") or menu_accept
            key = ("choice", choice, text, dtmf, accept)
            if key not in cache:
                compiled = []
                try:
                    if dtmf:
                        compiled.append(module.choices_grammar([("choice", [dtmf])], mode="dtmf"))
                    if text and not explicit:
                        compiled.append(module.choices_grammar([("choice", [text])], mode="voice", accept=accept))
                except module.GrammarError as exc:
                    raise self._error(exc, choice, self._doc_of(env, choice)) from None
                cache[key] = compiled
            result.extend((grammar, choice) for grammar in cache[key])
        return result
