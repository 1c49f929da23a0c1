"""Prometheus metrics of the request path, served at ``VXMLKIT_METRICS_PATH`` (off by default).

Needs ``prometheus_client`` (``pip install 'vxmlkit[metrics]'``). Under gunicorn with several
workers, set ``PROMETHEUS_MULTIPROC_DIR`` to an empty folder before the server starts: each
worker then writes its figures there and the metrics route adds them up
(prometheus_client's multiprocess mode). Without the setting, :class:`Metrics` counts nothing
and costs one method call.

Labels hold only bounded vocabularies: known flow and step names, refusal reasons, result
values and callee types (anything else is counted as ``other``), gateway names and routes.
"""

from __future__ import annotations

import functools
import os
from typing import Any

from .results import CALLEE_TYPES, RESULTS

__all__ = ["Metrics", "PrometheusMetrics", "metrics_from_config", "exposition", "LATENCY_BUCKETS"]

#: Seconds: a request is a few hundred microseconds to a few milliseconds, an SMS up to a timeout.
LATENCY_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)


class Metrics:
    """The metrics the request path reports; this one counts nothing (metrics are off)."""

    enabled = False

    def call_started(self, flow: str) -> None:
        """A start request was answered with the flow's first document."""

    def call_refused(self, flow: str, reason: str) -> None:
        """A start request was refused (``forbidden``, ``bad_request``, ``unavailable`` ...)."""

    def step_served(self, flow: str, step: str) -> None:
        """A step's document was served (the first step's too)."""

    def document_invalid(self, flow: str) -> None:
        """A rendered document failed the schema check."""

    def sms(self, gateway: str, outcome: str) -> None:
        """An SMS order was ``sent`` (handed to the gateway) or ``failed``."""

    def result(self, flow: str, result: str, callee_type: str) -> None:
        """A result_url POST was stored."""

    def observe(self, route: str, seconds: float) -> None:
        """A request to ``route`` took ``seconds``."""


@functools.cache
def _collectors() -> dict[str, Any]:
    """The collectors, made once per process in prometheus_client's default registry."""
    from prometheus_client import Counter, Histogram

    return {
        "started": Counter("vxmlkit_calls_started", "Calls started, per flow", ["flow"]),
        "refused": Counter("vxmlkit_calls_refused", "Start requests refused, per flow and reason", ["flow", "reason"]),
        "steps": Counter("vxmlkit_steps_served", "Step documents served, per flow and step", ["flow", "step"]),
        "invalid": Counter("vxmlkit_documents_invalid", "Rendered documents that failed the schema check", ["flow"]),
        "sms": Counter("vxmlkit_sms", "SMS orders per gateway and outcome (sent, failed)", ["gateway", "outcome"]),
        "results": Counter("vxmlkit_results", "Call results stored, per flow, result and callee type",
                           ["flow", "result", "callee_type"]),
        "latency": Histogram("vxmlkit_request_seconds", "Time to answer a request, per route", ["route"],
                             buckets=LATENCY_BUCKETS),
    }


class PrometheusMetrics(Metrics):
    """Metrics counted with prometheus_client.

    Each labelled child is looked up once and kept: ``labels()`` takes a lock and checks its
    arguments on every call, which costs twice the update itself.
    """

    enabled = True

    def __init__(self) -> None:
        self._collectors = _collectors()
        self._children: dict[tuple[str, ...], Any] = {}

    def _child(self, metric: str, *labels: str) -> Any:
        key = (metric, *labels)
        child = self._children.get(key)
        if child is None:
            child = self._children.setdefault(key, self._collectors[metric].labels(*labels))
        return child

    def call_started(self, flow: str) -> None:
        self._child("started", flow).inc()

    def call_refused(self, flow: str, reason: str) -> None:
        self._child("refused", flow, reason).inc()

    def step_served(self, flow: str, step: str) -> None:
        self._child("steps", flow, step).inc()

    def document_invalid(self, flow: str) -> None:
        self._child("invalid", flow).inc()

    def sms(self, gateway: str, outcome: str) -> None:
        self._child("sms", gateway, outcome).inc()

    def result(self, flow: str, result: str, callee_type: str) -> None:
        # Plum's vocabulary only: a stranger's values must not grow the label set.
        self._child("results", flow, result if result in RESULTS else "other",
                    callee_type if callee_type in CALLEE_TYPES else "other").inc()

    def observe(self, route: str, seconds: float) -> None:
        self._child("latency", route).observe(seconds)


def metrics_from_config(path: str | None) -> Metrics:
    """:class:`PrometheusMetrics` when a metrics path is set, else the :class:`Metrics` that counts nothing."""
    if not path:
        return Metrics()
    try:
        import prometheus_client  # noqa: F401
    except ImportError:
        raise RuntimeError(
            "VXMLKIT_METRICS_PATH is set but prometheus_client is not installed: pip install 'vxmlkit[metrics]'"
        ) from None
    return PrometheusMetrics()


def exposition() -> tuple[bytes, str]:
    """The metrics in Prometheus's text format and its content type: every worker's in
    multiprocess mode (``PROMETHEUS_MULTIPROC_DIR``), else this process's."""
    from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, generate_latest

    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        return generate_latest(registry), CONTENT_TYPE_LATEST
    return generate_latest(REGISTRY), CONTENT_TYPE_LATEST
