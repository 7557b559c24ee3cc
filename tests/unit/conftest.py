"""Database-free unit tests: the pure parts (the settlement arithmetic, the rota planner). They
take no database fixture and pytest-django refuses any database access in them, so they run
in milliseconds and anywhere."""
