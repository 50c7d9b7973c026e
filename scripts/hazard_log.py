"""Add every current miss of the safety screen on the real-text sets to the hazard log.

    python scripts/hazard_log.py            # appends new misses to tests/safety/hazard_log.yml
                                            # and marks open entries the screen now gets right fixed

Each entry keeps the message, its source, what it needed and what the screen did when it was
logged. An entry is `open` until the screen gets it right; tests/safety/test_hazard_log.py then
fails until it is marked `fixed`, and from then on guards it. Entries are never deleted.
"""

import datetime as dt
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.safety_scoring import evaluate, read_screening_set  # noqa: E402
from bot.safety import screen  # noqa: E402

LOG = ROOT / "tests" / "safety" / "hazard_log.yml"
SETS = ("tests/real_text/screening_dev.yml", "tests/real_text/screening_test.yml", "tests/real_text/screening_train.yml")
HEADER = """# Hazard log: every message from the real-text screening sets that the screen got wrong.
# Written by scripts/hazard_log.py; checked by tests/safety/test_hazard_log.py. status: open means
# the screen still gets it wrong (the test expects that and fails once it is fixed, so the entry is
# then marked fixed and guarded from there on). Entries from the test split are logged, never tuned on.
"""


def main() -> int:
    entries = yaml.safe_load(LOG.read_text(encoding="utf-8")) if LOG.is_file() else []
    entries = entries or []
    known = {entry["text"] for entry in entries}
    today = dt.date.today().isoformat()
    still_wrong: set[str] = set()
    for name in SETS:
        for item, result in evaluate(read_screening_set(ROOT / name), screen).errors:
            still_wrong.add(item["text"])
            if item["text"] in known:
                continue
            entries.append({"text": item["text"], "url": item["url"], "set": name, "label": item["label"],
                            "category": item.get("category"), "got": result.outcome.name,
                            "logged": today, "status": "open"})
    for entry in entries:
        if entry["status"] == "open" and entry["text"] not in still_wrong:
            entry.update(status="fixed", fixed=today)
    body = yaml.safe_dump(entries, allow_unicode=True, sort_keys=False, width=1000)
    LOG.write_text(HEADER + body, encoding="utf-8")
    print(f"{LOG.relative_to(ROOT)}: {len(entries)} entries, {sum(e['status'] == 'open' for e in entries)} open")
    return 0


if __name__ == "__main__":
    sys.exit(main())
