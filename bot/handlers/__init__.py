"""Thin Telegram adapters: parse the update, call a service, render the answer.

Each module exposes ``register(application)``; the composition root (bot/app.py) registers them
in order: within handler group 0 the first match wins, so features come before ``fallback``.
"""
