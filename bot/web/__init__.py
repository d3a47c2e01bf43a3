"""The coach's desk on the web: a Telegram Mini App served by the bot's own process.

Starlette and Jinja2 templates, served by uvicorn on the same event loop as the bot; who opened
the page is what Telegram vouches for in the signed launch data (`init_data.py`), the session
lives in this process (`sessions.py`), and every read and write goes through the same services
and access rules as the chat.
"""
