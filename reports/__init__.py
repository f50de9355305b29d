"""PDF rendering: HTML from the Jinja templates in reports/templates/, PDF by WeasyPrint (reports.render).

Rendering only: no Flask, no database. The data each report shows is gathered by
service/reports/context.py; requests, the worker's render and the CLI are in service/reports/."""
