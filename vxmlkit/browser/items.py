"""The form items that are not fields: ``<record>``, ``<transfer>`` and ``<subdialog>``.

Each is a generator like the rest of the Form Interpretation Algorithm: it may wait for the
caller (a recording, a transfer's outcome, input inside the subdialog) and then fills its form
item variable and runs the ``<filled>`` actions.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .document import FormItem, element_children, local_name
from .events import InterpreterError, VxmlEvent
from .executable import Env, parse_seconds
from .fetching import FetchRequest
from .platform import InputRequest, fake_recording
from .scripting import UNDEFINED

if TYPE_CHECKING:
    from .interpreter import FormState, Interpreter, Waiting

__all__ = ["collect_record", "do_subdialog", "do_transfer"]


def collect_record(interp: Interpreter, state: FormState, item: FormItem) -> Waiting:
    """``<record>``: a fake recording of the length the caller's input says."""
    element = item.element
    props = interp.properties(state, state.ctx, element)
    request = InputRequest(
        kind="record",
        name=item.name,
        modes=tuple(props.get("inputmodes", "dtmf voice").split()),
        timeout=parse_seconds(props.get("timeout", "5s")),
        url=state.ctx.doc.url,
        line=element.sourceline,
        private=props.get("logging", "true") == "false",
    )
    given = yield from interp.wait(request)
    maxtime = parse_seconds(element.get("maxtime") or "0s")
    if given.kind == "noinput":
        raise VxmlEvent("noinput")
    if given.kind == "nomatch":
        raise VxmlEvent("nomatch")
    termchar = ""
    if given.kind == "recording":
        seconds, termchar = given.seconds, given.termchar or ""
    elif given.kind == "dtmf":
        # a key press ends the recording (dtmfterm); the key is not recorded
        seconds, termchar = 2.0, given.value[:1]
    elif given.kind == "speech":
        seconds = 2.0
    else:
        raise InterpreterError(f"a {given.kind} input cannot answer a <record>")
    hit_max = bool(maxtime) and seconds >= maxtime
    if hit_max:
        seconds = maxtime
    audio = fake_recording(seconds)
    recording_id = len(interp.recordings) + 1
    interp.recordings[recording_id] = audio
    media_type = element.get("type") or "audio/x-wav"
    value = {"$recording": recording_id, "duration": int(seconds * 1000), "size": len(audio), "type": media_type}
    shadow = {"duration": int(seconds * 1000), "size": len(audio), "termchar": termchar or None, "maxtime": hit_max}
    beep = element.get("beep", "false") == "true"
    interp.session._note(
        "record",
        f"{item.name}: {seconds:g} s" + (" after a beep" if beep else ""),
        {"item": item.name, "seconds": seconds, "termchar": termchar or None, "beep": beep},
    )
    interp.fill(state, item, value, None, shadow)
    interp.after_filled(state, [item])

def do_transfer(interp: Interpreter, state: FormState, item: FormItem) -> Waiting:
    """``<transfer>``: blind ends the call as transferred; bridge/consultation wait for the outcome."""
    element = item.element
    interp.js.use(state.chain)
    destination = element.get("dest")
    if element.get("destexpr"):
        destination = interp.js.eval_str(element.get("destexpr"))
    if not destination:
        raise VxmlEvent("error.badfetch", "<transfer> needs dest or destexpr", line=element.sourceline, url=state.ctx.doc.url)
    kind = element.get("type")
    if kind is None:
        kind = "bridge" if element.get("bridge", "false") == "true" else "blind"
    if kind not in ("blind", "bridge", "consultation"):
        raise VxmlEvent("error.badfetch", f"<transfer type={kind!r}> is not blind, bridge or consultation", line=element.sourceline, url=state.ctx.doc.url)
    aai = element.get("aai")
    if element.get("aaiexpr"):
        aai = interp.js.eval_str(element.get("aaiexpr"))
    interp.session._note("transfer", f"{kind} transfer to {destination}", {"dest": destination, "type": kind, "aai": aai})
    interp.session.transferred_to = destination
    if kind == "blind":
        interp.flush_prompts()
        interp.ending = "transfer"
        interp.final = True
        raise VxmlEvent("connection.disconnect.transfer", f"blind transfer to {destination}")
    props = interp.properties(state, state.ctx, element)
    request = InputRequest(kind="transfer", name=item.name, modes=tuple(props.get("inputmodes", "dtmf voice").split()), url=state.ctx.doc.url, line=element.sourceline)
    given = yield from interp.wait(request)
    if given.kind == "noinput":
        outcome = "noanswer"
    elif given.kind == "transfer":
        outcome = given.value
    elif given.kind in ("dtmf", "speech"):
        active = interp.active_grammars(state, item, modal=True)
        interp.recognise(given, active, props, state.ctx)
        outcome = "near_end_disconnect"
    else:
        raise InterpreterError(f"a {given.kind} input cannot answer a <transfer>")
    if kind == "consultation" and outcome in ("far_end_disconnect", "near_end_disconnect", "maxtime_disconnect", "network_disconnect"):
        interp.ending = "transfer"
        interp.final = True
        raise VxmlEvent("connection.disconnect.transfer", f"consultation transfer to {destination} completed")
    if outcome in ("busy", "noanswer", "network_busy"):
        interp.session.transferred_to = None
    duration = 0 if outcome in ("busy", "noanswer", "network_busy", "unknown") else 1
    interp.fill(state, item, outcome, None, {"duration": duration, "inputmode": "dtmf" if given.kind == "dtmf" else ("voice" if given.kind == "speech" else None), "utterance": given.value if given.kind in ("dtmf", "speech") else None})
    interp.after_filled(state, [item])

def do_subdialog(interp: Interpreter, state: FormState, item: FormItem) -> Waiting:
    """``<subdialog>``: run the target in a new execution context; its return fills the item."""
    element = item.element
    ctx = state.ctx
    env = Env(ctx=ctx, state=state, chain=state.chain, item=item)
    params: dict[str, Any] = {}
    interp.js.use(state.chain)
    for child in element_children(element):
        if local_name(child) == "param":
            name = child.get("name")
            if not name:
                raise VxmlEvent("error.badfetch", "<param> needs a name", line=child.sourceline, url=ctx.doc.url)
            if child.get("expr") is not None:
                params[name] = interp.js.eval_json(child.get("expr"))
            else:
                params[name] = child.get("value", "")
    params = {key: (None if value is UNDEFINED else value) for key, value in params.items()}
    target = element.get("src")
    if element.get("srcexpr"):
        target = interp.js.eval_str(element.get("srcexpr"))
    if not target:
        raise VxmlEvent("error.badfetch", "<subdialog> needs src or srcexpr", line=element.sourceline, url=ctx.doc.url)
    if target.startswith("#"):
        doc, dialog_id = ctx.doc, target[1:]
        doc.dialog_by_id(dialog_id)
    else:
        transition = interp.exec.transition_for(env, element, target, submit=True, default_namelist=())
        doc = interp.load(transition.request or FetchRequest(transition.url or ""), fetchaudio=transition.fetchaudio)
        dialog_id = transition.dialog
        doc.dialog_by_id(dialog_id)
    interp.session._note("subdialog", f"{item.name}: {doc.url}{'#' + dialog_id if dialog_id else ''}", {"item": item.name})
    returned = yield from interp.run_context(doc, dialog_id, app=None, params=params, subdialog=True)
    interp.js.use(state.chain)
    if returned.event:
        raise VxmlEvent(returned.event, returned.message, line=element.sourceline, url=ctx.doc.url)
    interp.fill(state, item, returned.namelist, None, None)
    interp.after_filled(state, [item])
