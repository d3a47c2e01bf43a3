"""The running bot around the domain: the inbox and the update processor, the dispatcher of due
work, the one sender of outgoing messages and its rate limits, the database, the clock, and the
context every handler receives.

Handlers and flows use it; it uses messages, services and models, never handlers or flows.
"""
