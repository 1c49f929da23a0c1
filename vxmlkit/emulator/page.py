"""What ``GET /`` of the emulator shows: the batches (campaigns), every call with its state,
attempts, callee type and the transcript of each attempt, and the text messages; as a plain
HTML page or, with ``?format=json``, as JSON."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from jinja2 import Environment, select_autoescape

from vxmlkit.emulator.clock import EASTERN
from vxmlkit.emulator.state import STATES, Platform

__all__ = ["snapshot", "render_page"]


def _when(moment: float | None) -> str | None:
    return datetime.fromtimestamp(moment, EASTERN).strftime("%Y-%m-%d %H:%M:%S %Z") if moment is not None else None


def snapshot(platform: Platform, batch_id: int | None = None) -> dict[str, Any]:
    """The platform's state as plain data (the JSON of ``GET /?format=json``)."""
    with platform.lock:
        batches = [b for b in platform.batches.values() if batch_id is None or b.id == batch_id]
        scheduler = platform.scheduler
        running = {c.batch.id: c.running for c in scheduler.campaigns.values()} if scheduler is not None else {}
        data: dict[str, Any] = {
            "clock": {"now": platform.clock.now(), "eastern": _when(platform.clock.now()), "speed": platform.clock.speed},
            "lines": {"total": platform.settings.lines, "busy": platform.busy_lines},
            "batches": [],
            "calls": [],
            "sms": [],
        }
        for batch in batches:
            counts = {state: 0 for state in STATES}
            for call in batch.calls:
                counts[call.state] += 1
            data["batches"].append({
                "id": batch.id, "kind": batch.kind, "name": batch.name, "start_url": batch.start_url.split("?", 1)[0],
                "result_url": (batch.result_url or "").split("?", 1)[0] or None, "calls": len(batch.calls),
                "states": counts, "preflight": batch.preflight, "running": running.get(batch.id),
            })
            for call in batch.calls:
                data["calls"].append({
                    "call_id": call.call_id, "batch": batch.id, "phone_number": call.phone_number,
                    "message_reference": call.message_reference, "state": call.state,
                    "attempts": len(call.attempts), "max_attempts": call.max_retries + 1,
                    "callee_type": call.callee_type, "result": call.result, "result_post": call.result_post,
                    "next_attempt": _when(call.due) if call.state in ("queued", "retry pending") else None,
                    "expires": _when(call.expires),
                    "history": [{"attempt": a.number, "at": _when(a.started), "callee_type": a.callee_type,
                                 "duration": a.duration, "error": a.error, "transcript": a.transcript}
                                for a in call.attempts],
                })
        if batch_id is None:
            data["sms"] = [{"sms_message_id": m.id, "to": m.to, "from": m.sender, "status": m.status,
                            "reports": m.reports, "requested": _when(m.requested)} for m in platform.sms.values()]
        return data


_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>vxmlkit emulator</title>
<style>
body{font:14px system-ui,sans-serif;margin:1.5em}table{border-collapse:collapse;margin-bottom:1.5em}
td,th{border:1px solid #ccc;padding:.25em .5em;text-align:left;vertical-align:top}th{background:#f3f3f3}
pre{margin:.25em 0;font-size:12px;white-space:pre-wrap}.completed{color:#060}.failed,.expired{color:#a00}
</style></head><body>
<h1>vxmlkit emulator</h1>
<p>Platform time {{ data.clock.eastern }} (speed &times;{{ data.clock.speed|round(2) }}),
lines busy {{ data.lines.busy }} of {{ data.lines.total }}. <a href="?format=json">JSON</a></p>
<h2>Campaigns</h2>
<table><tr><th>id</th><th>kind</th><th>name</th><th>start_url</th><th>calls</th>
{% for state in states %}<th>{{ state }}</th>{% endfor %}<th>pre-flight</th></tr>
{% for b in data.batches %}<tr><td><a href="?batch={{ b.id }}">{{ b.id }}</a></td><td>{{ b.kind }}{% if b.running is not none %} ({{ "running" if b.running else "stopped" }}){% endif %}</td>
<td>{{ b.name }}</td><td>{{ b.start_url }}</td><td>{{ b.calls }}</td>
{% for state in states %}<td>{{ b.states[state] }}</td>{% endfor %}<td>{{ b.preflight or "not yet" }}</td></tr>
{% else %}<tr><td colspan="{{ 6 + states|length }}">nothing queued yet</td></tr>{% endfor %}
</table>
<h2>Calls</h2>
<table><tr><th>call_id</th><th>campaign</th><th>phone_number</th><th>message_reference</th><th>state</th>
<th>attempts</th><th>callee type</th><th>result_url</th><th>next attempt</th><th>transcripts</th></tr>
{% for c in data.calls %}<tr><td>{{ c.call_id }}</td><td>{{ c.batch }}</td><td>{{ c.phone_number }}</td>
<td>{{ c.message_reference }}</td><td class="{{ c.state }}">{{ c.state }}</td><td>{{ c.attempts }}/{{ c.max_attempts }}</td>
<td>{{ c.callee_type or "" }}</td><td>{{ c.result_post }}</td><td>{{ c.next_attempt or "" }}</td><td>
{% for a in c.history %}<details><summary>attempt {{ a.attempt }} at {{ a.at }}: {{ a.callee_type }}, {{ a.duration }} s{% if a.error %} ({{ a.error }}){% endif %}</summary>
<pre>{{ a.transcript|join("\n") }}</pre></details>{% endfor %}</td></tr>
{% endfor %}</table>
{% if data.sms %}<h2>Text messages</h2>
<table><tr><th>id</th><th>to</th><th>from</th><th>status</th><th>reports posted</th></tr>
{% for m in data.sms %}<tr><td>{{ m.sms_message_id }}</td><td>{{ m.to }}</td><td>{{ m.from }}</td><td>{{ m.status }}</td>
<td>{{ m.reports|join(", ") }}</td></tr>{% endfor %}</table>{% endif %}
</body></html>
"""

_TEMPLATE = Environment(autoescape=select_autoescape(default=True)).from_string(_PAGE)


def render_page(data: dict[str, Any]) -> str:
    """The HTML page for a :func:`snapshot`."""
    return _TEMPLATE.render(data=data, states=STATES)
