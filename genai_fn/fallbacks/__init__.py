"""Ordered fallbacks (FALLBACKS): the configuration (config.py) and the targets' cooldowns (cooldown.py); the use
case that walks a chain is usecases/fallback.py. Loaded only when FALLBACKS is set (docs/operations.md)."""
