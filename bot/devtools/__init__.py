"""Tools for developers: the harness that runs the real bot against the local Bot API sandbox
(bot/sandbox/), and the terminal demo with its seed data. Production code never imports them.
"""
