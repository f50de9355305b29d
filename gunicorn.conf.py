"""gunicorn settings for `make run` and deployments (override with GUNICORN_CMD_ARGS)."""
import os

bind = f"127.0.0.1:{os.environ.get('PORT', '5000')}"
# 3 to 5 sync workers did best on 2 cores (see ../shared/notes.md); SQLite prefers few writers.
workers = int(os.environ.get("WEB_CONCURRENCY", "3"))
worker_class = "sync"
timeout = 60
accesslog = "-"
# Secret link tokens (/reset/..., /invite/..., /calendar/....ics) never reach the access log.
logger_class = "service.accesslog.RedactingLogger"
