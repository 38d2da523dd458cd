"""SQLAlchemy 2 implementations of the core's ports, and the Alembic migrations."""
