"""The test suite: rules on a real database (unit), the bot through the sandbox (e2e), the sandbox
itself (sandbox), and what they share (support).
"""
