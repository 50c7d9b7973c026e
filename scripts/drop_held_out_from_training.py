"""Remove from data/nlu every training example that also appears in the held-out set.

The held-out set (tests/nlu/test_nlu.yml) is written independently of the training data and is
never changed to suit the model; when the two happen to share a phrasing, the training copy goes.
tests/content checks that no overlap remains.
"""

import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.language.nlu_examples import read_nlu_examples  # noqa: E402
from bot.paths import HELD_OUT_NLU, ROOT  # noqa: E402


def normalise(text: str) -> str:
    return re.sub(r"\s+", " ", text.lower()).strip()


def main() -> None:
    held_out = {normalise(example.text) for example in read_nlu_examples(HELD_OUT_NLU)}
    for path in sorted((ROOT / "data" / "nlu").glob("*.yml")):
        kept, dropped = [], []
        for line in path.read_text(encoding="utf-8").splitlines():
            item = line.strip()
            if item.startswith("- ") and not item.startswith("- intent:") and normalise(item[2:]) in held_out:
                dropped.append(item[2:])
            else:
                kept.append(line)
        if dropped:
            path.write_text("\n".join(kept) + "\n", encoding="utf-8")
            print(f"{path.relative_to(ROOT)}: dropped {dropped}")


if __name__ == "__main__":
    main()
