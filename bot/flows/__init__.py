"""Multi-step conversations whose state lives in the database (one FlowState row per person),
so that a restart, a crash or a second worker continues where the person left off.

Each flow is declared with the mechanism in `mechanism.py`: a `FlowSpec` at the end of its module
(steps, typed data, the table of button routes, typed-word steps, commands) whose `register` the
composition root (bot/app.py) calls, one line per flow. `docs/flows/` draws each of them.
"""
