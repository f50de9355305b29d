"""Alembic migrations, shipped inside the package so that `forestall migrate` works from a wheel."""
