"""Audio in simulated calls: which recording would play, and the fallback a test listens for."""

from __future__ import annotations

import pytest
from flask import abort

from vxmlkit import Flow, audio, hangup, say, step
from vxmlkit.app import create_app
from vxmlkit.testing import Simulator


class Jingle(Flow):
    """Plays a recording the app serves and one it does not."""

    name = "jingle"

    @step(start=True)
    def welcome(self, call):
        return [say(audio("/sounds/chime.wav", fallback="Welcome to the shop."), "Goodbye."),
                say(audio("/sounds/missing.wav", fallback="We are closed.")), hangup()]


@pytest.fixture
def jingle(tmp_path):
    app = create_app({"TESTING": True, "VXMLKIT_SECRET_KEY": "test",
                      "VXMLKIT_DATABASE_URL": f"sqlite:///{tmp_path / 'jingle.sqlite3'}"}, flows=[Jingle])

    def sound(name):
        if name != "chime.wav":
            abort(404)
        return b"RIFF\x24\x00\x00\x00WAVEfmt ", 200, {"Content-Type": "audio/x-wav"}

    app.add_url_rule("/sounds/<name>", "sound", sound)
    return Simulator(app)


def test_the_recording_that_answers_plays_and_its_fallback_is_what_hears_matches(jingle):
    call = jingle.dial("jingle")
    call.hears("Welcome to the shop").hears("We are closed").plays("/sounds/chime.wav")
    assert [(clip.uri.rsplit("/", 1)[-1], clip.answered, clip.status, clip.fallback) for clip in call.audio] == [
        ("chime.wav", True, 200, "Welcome to the shop."),
        ("missing.wav", False, 404, "We are closed."),
    ]
    with pytest.raises(AssertionError, match="'/sounds/missing.wav' did not answer"):
        call.plays("/sounds/missing.wav")
    with pytest.raises(AssertionError, match="was not played"):
        call.plays("/sounds/other.wav")


def test_the_transcript_shows_audio_as_audio(jingle):
    lines = jingle.dial("jingle").transcript.lines
    assert "audio: /sounds/chime.wav played (fallback: Welcome to the shop.)" in lines
    assert "audio: /sounds/missing.wav did not answer (fallback: We are closed.)" in lines
    assert lines.index("audio: /sounds/chime.wav played (fallback: Welcome to the shop.)") < lines.index(
        "heard: Welcome to the shop. Goodbye.")
