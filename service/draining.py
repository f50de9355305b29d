"""Graceful shutdown of a web process: from the moment it is told to stop (SIGTERM, see gunicorn.conf.py),
GET /readyz answers 503 so a load balancer sends it no more requests, while the requests in flight finish."""

from __future__ import annotations

import threading

_draining = threading.Event()


def begin() -> None:
    _draining.set()


def is_draining() -> bool:
    return _draining.is_set()
