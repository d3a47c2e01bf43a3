"""The companion bot for job coaching (työvalmennus): check-ins, goals and a line to the coach."""

import os

# Opt in to python-telegram-bot's coming behaviour: durations such as a 429's retry_after are
# timedeltas. The code handles both forms; this only silences the deprecation notice.
os.environ.setdefault("PTB_TIMEDELTA", "1")

__version__ = "0.1.0"
