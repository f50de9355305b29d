"""gunicorn settings for `make run` and deployments (override with GUNICORN_CMD_ARGS)."""
import os

bind = f"127.0.0.1:{os.environ.get('PORT', '5000')}"
# 3 to 5 sync workers did best on 2 cores (measured with bench/api_bench.py); SQLite prefers few writers.
workers = int(os.environ.get("WEB_CONCURRENCY", "3"))
worker_class = "sync"
timeout = 60
accesslog = "-"
# Secrets in URLs (the calendar feed, e-mailed links) never reach the access log.
logger_class = "service.access_log.RedactingLogger"
