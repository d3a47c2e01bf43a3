"""Train the crisis word model, and measure it on messages it has not seen.

    python scripts/crisis_model.py train   # write bot/services/crisis_lexicon/model.tsv
    python scripts/crisis_model.py cross   # leave each unseen batch out in turn: its figures

Both read every labelled message of tests/crisis/: the repository set (fi.txt, sv.txt, en.txt)
and the batches written apart from the lexicons (unseen/*.tsv). `cross` prints `name value`
lines: per batch, the crisis recall of the lexicons alone and with the model, and ordinary
messages reaching any tier.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.services import crisis_model  # noqa: E402
from tests.crisis.measure import cross_figures, training_texts  # noqa: E402


def main(argv: list[str]) -> int:
    if argv[1:] == ["train"]:
        texts = training_texts()
        weights = crisis_model.train(texts)
        crisis_model.write(weights)
        path = crisis_model.MODEL_PATH.relative_to(ROOT)
        print(f"{path}: {len(weights)} pieces from {len(texts)} messages")
        return 0
    if argv[1:] == ["cross"]:
        for name, value in cross_figures():
            print(f"{name} {value}")
        return 0
    print(__doc__)
    return 2


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
