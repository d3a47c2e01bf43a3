"""Draw every flow's state diagram into docs/flows/NAME.md, from the flows' declarations.

    python scripts/flow_diagrams.py
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.devtools.flow_diagrams import write  # noqa: E402

if __name__ == "__main__":
    for path in write():
        print(path)
