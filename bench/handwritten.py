"""The reference for ``bench/start_url.py``: the payment reminder's start_url written by hand.

What a competent Flask user writes instead of using vxmlkit, doing the same work per start
request: read the form, check the start token (itsdangerous), store one call-session row
(one INSERT into SQLite, WAL), render the opening document from one Jinja template with two
signed step URLs, and check it (lxml parse and the VoiceXML schema) before answering.

    gunicorn --chdir bench 'handwritten:create_app()'
"""

from __future__ import annotations

import json
import os
import secrets
import sqlite3
import tempfile
import threading
import time
from pathlib import Path

import jinja2
from flask import Flask, Response, request
from itsdangerous import BadSignature, TimestampSigner
from lxml import etree

SCHEMA = Path(__file__).resolve().parent.parent / "schemas" / "vxml-2.0.xsd"

OPENING = jinja2.Environment(autoescape=True).from_string("""\
<?xml version="1.0" encoding="UTF-8"?>
<vxml version="2.0" xmlns="http://www.w3.org/2001/vxml" xml:lang="en-US">
  <form id="main">
    <block>
      <prompt>Hello, this is Acme Utilities calling with an important message about your account.</prompt>
      <if cond="typeof session.connection != 'undefined' &amp;&amp; session.connection.callee_type == 'answeringmachine'">
        <goto next="{{ machine_url }}"/>
      <else/>
        <goto next="{{ voice_url }}"/>
      </if>
    </block>
  </form>
  <catch event="error.badfetch">
    <prompt>We are sorry, this call cannot continue right now. Goodbye.</prompt>
    <disconnect/>
  </catch>
</vxml>""")

SORRY = ('<?xml version="1.0" encoding="UTF-8"?>\n<vxml version="2.0" xmlns="http://www.w3.org/2001/vxml">'
         "<form><block><prompt>Sorry.</prompt><disconnect/></block></form></vxml>")


def create_app() -> Flask:
    """The hand-written app; its SQLite file lives in ``VXMLKIT_INSTANCE_PATH`` (or a temporary folder)."""
    secret = os.environ.get("VXMLKIT_SECRET_KEY", "bench-secret")
    folder = Path(os.environ.get("VXMLKIT_INSTANCE_PATH") or tempfile.mkdtemp())
    database = folder / "handwritten.sqlite3"
    start_signer = TimestampSigner(secret, salt="vxmlkit.start")
    step_signer = TimestampSigner(secret, salt="vxmlkit.step")
    schema = etree.XMLSchema(etree.parse(str(SCHEMA)))
    parser = etree.XMLParser(resolve_entities=False, no_network=True)
    local = threading.local()

    def connection() -> sqlite3.Connection:
        db = getattr(local, "db", None)
        if db is None:
            db = local.db = sqlite3.connect(database, isolation_level=None, timeout=5)
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=NORMAL")
            db.execute("CREATE TABLE IF NOT EXISTS sessions (id TEXT PRIMARY KEY, flow TEXT, phone_number TEXT,"
                       " message_reference TEXT, call_id TEXT, call_parameters TEXT, state TEXT, created_at REAL)")
        return db

    app = Flask("handwritten")

    @app.route("/vxml/payment-reminder/start", methods=["GET", "POST"])
    def start() -> Response:
        if request.method == "GET":
            return Response(SORRY, content_type="application/voicexml+xml; charset=utf-8")
        try:
            start_signer.unsign(request.args.get("t", ""), max_age=40 * 86400)
        except BadSignature:
            return Response(SORRY, status=403, content_type="application/voicexml+xml; charset=utf-8")
        form = request.form
        session_id = secrets.token_urlsafe(16)
        connection().execute(
            "INSERT INTO sessions VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (session_id, "payment-reminder", form.get("phone_number", ""), form.get("message_reference", ""),
             form.get("call_id", ""), form.get("call_parameters", ""), json.dumps({}), time.time()),
        )
        base = "/vxml/payment-reminder/step/"
        text = OPENING.render(
            voice_url=f"{base}greet?t={step_signer.sign(f'payment-reminder.{session_id}.greet').decode()}",
            machine_url=f"{base}voicemail?t={step_signer.sign(f'payment-reminder.{session_id}.voicemail').decode()}",
        )
        if not schema.validate(etree.fromstring(text.encode(), parser)):
            return Response(SORRY, content_type="application/voicexml+xml; charset=utf-8")
        return Response(text, content_type="application/voicexml+xml; charset=utf-8")

    return app
