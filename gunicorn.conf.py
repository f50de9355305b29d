"""gunicorn settings for `make run` and deployments (override with GUNICORN_CMD_ARGS)."""

import os

bind = f"127.0.0.1:{os.environ.get('PORT', '5000')}"
# 3 to 5 sync workers did best on 2 cores (measured with bench/api_bench.py); SQLite prefers few writers.
workers = int(os.environ.get("WEB_CONCURRENCY", "3"))
worker_class = "sync"
timeout = 60
# SIGTERM (a deployment stopping this host): each worker answers GET /readyz with 503 at once, keeps serving
# for FORESTALL_DRAIN_SECONDS (set it above the load balancer's readiness interval) so no new request is
# lost, then stops accepting, finishes the request in flight and exits. graceful_timeout bounds the whole.
drain_seconds = float(os.environ.get("FORESTALL_DRAIN_SECONDS", "2"))
graceful_timeout = int(os.environ.get("GRACEFUL_TIMEOUT", "30"))
accesslog = "-"
# Secrets in URLs (the calendar feed, e-mailed links) never reach the access log.
logger_class = "service.access_log.RedactingLogger"


def post_worker_init(worker):
    """Replace the worker's SIGTERM handler: readiness false first, then gunicorn's own graceful exit."""
    import signal

    from service import draining

    exit_gracefully = worker.handle_exit

    def on_sigterm(sig, frame):
        draining.begin()
        if drain_seconds <= 0:
            exit_gracefully(sig, frame)
            return
        # The sync worker's loop wakes up on any signal (gunicorn's wakeup pipe): SIGALRM ends the drain.
        signal.signal(signal.SIGALRM, lambda *_: exit_gracefully(sig, frame))
        signal.setitimer(signal.ITIMER_REAL, drain_seconds)

    signal.signal(signal.SIGTERM, on_sigterm)
    worker.log.info("Worker ready (pid: %s)", worker.pid)  # a SIGTERM before this line stops it at once
