"""Multi-step conversations whose state lives in the database (one FlowState row per person),
so that a restart, a crash or a second worker continues where the person left off.
"""
