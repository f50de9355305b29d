"""PDF reports: requested through the API or the CLI, rendered by a worker (or inline by the CLI)."""
