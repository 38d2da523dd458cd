"""Tandem's platform-free core: domain, command grammar, use cases, replies and ports.

Nothing in this package imports a chat platform, the ORM, the scheduler, or the
outer packages (`adapters`, `storage`); tests/unit/test_architecture.py enforces it.
"""
