"""Multi-step conversations whose state lives in the database (one FlowState row per person),
so that a restart, a crash or a second worker continues where the person left off.

Each flow module exposes ``register(application)``; the composition root (bot/app.py) registers
it and names the handler of its typed answers, if it takes any.
"""
