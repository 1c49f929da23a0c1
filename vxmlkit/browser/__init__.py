"""vxmlkit.browser: a headless VoiceXML 2.0/2.1 interpreter played by a scripted caller.

>>> browser = Browser()                                     # files and HTTP(S)
>>> session = browser.dial("start.vxml", ani="6175551234")  # runs until the call waits
>>> session.prompts                                         # what the caller heard so far
>>> session.send(Input.dtmf("1"))                           # press a key, run to the next wait

The pipeline, one module each: :mod:`.fetching` (file, HTTP, in-process WSGI),
:mod:`.document` (parsing and the static checks), :mod:`.scripting` (QuickJS scopes),
:mod:`.interpreter` (the Form Interpretation Algorithm), :mod:`.executable` (executable
content), :mod:`.prompts` (SSML to text), :mod:`.activation` and :mod:`.grammars` (grammars),
:mod:`.events`, :mod:`.platform` (the simulated caller), :mod:`.session` (Browser, Session).
"""

from .events import InterpreterError, VxmlEvent
from .fetching import (
    Fetcher,
    FetchError,
    FetchRequest,
    FetchResponse,
    FileFetcher,
    HttpFetcher,
    RoutingFetcher,
    Upload,
    WsgiFetcher,
    default_fetcher,
)
from .platform import Input, InputRequest, TranscriptEntry
from .prompts import AudioClip
from .session import Browser, FetchedDocument, Session

__all__ = [
    "AudioClip",
    "Browser",
    "FetchError",
    "FetchRequest",
    "FetchResponse",
    "FetchedDocument",
    "Fetcher",
    "FileFetcher",
    "HttpFetcher",
    "Input",
    "InputRequest",
    "InterpreterError",
    "RoutingFetcher",
    "Session",
    "TranscriptEntry",
    "Upload",
    "VxmlEvent",
    "WsgiFetcher",
    "default_fetcher",
]
