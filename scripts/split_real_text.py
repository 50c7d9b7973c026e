"""Split a collected real-text set into a dev part and a test part, once, before any tuning.

    python scripts/split_real_text.py tests/real_text/questions_collected.yml
      -> tests/real_text/questions_dev.yml, tests/real_text/questions_test.yml

Items are grouped by their source page, so one page's wording (many clinic pages share house
style) never sits on both sides. Pages are ordered by the SHA-256 of their address, a fixed order
nobody chose, and go to the test part until it holds at least half of the items; the rest is dev.
The dev part may be used to change data, rules and thresholds; the test part is only scored.
"""

import hashlib
import sys
from pathlib import Path
from urllib.parse import urlsplit

import yaml

HEADER = """# {kind} part of the real-text set {name}, made by scripts/split_real_text.py on {date}.
# Split by source page (SHA-256 order of the address) before anything was tuned.
# {rule}
"""
RULES = {"dev": "DEV: may be used to change training data, lexicons, rules and thresholds.",
         "test": "TEST: scored only. Never used to change data, rules or thresholds."}


def page_of(url: str) -> str:
    parts = urlsplit(url.strip())
    return f"{parts.netloc.lower().removeprefix('www.')}{parts.path.rstrip('/')}"


def split(items: list[dict]) -> tuple[list[dict], list[dict]]:
    pages: dict[str, list[dict]] = {}
    for item in items:
        pages.setdefault(page_of(item["url"]), []).append(item)
    order = sorted(pages, key=lambda page: hashlib.sha256(page.encode("utf-8")).hexdigest())
    test: list[dict] = []
    dev: list[dict] = []
    for page in order:
        (test if len(test) * 2 < len(items) else dev).extend(pages[page])
    return dev, test


def write(path: Path, items: list[dict], kind: str, source: Path, date: str) -> None:
    header = HEADER.format(kind=kind.upper(), name=source.name, date=date, rule=RULES[kind])
    body = yaml.safe_dump(items, allow_unicode=True, sort_keys=False, width=1000)
    path.write_text(header + body, encoding="utf-8")


def main(source: Path, date: str) -> int:
    items = yaml.safe_load(source.read_text(encoding="utf-8"))
    dev, test = split(items)
    stem = source.name.replace("_collected.yml", "")
    write(source.with_name(f"{stem}_dev.yml"), dev, "dev", source, date)
    write(source.with_name(f"{stem}_test.yml"), test, "test", source, date)
    print(f"{source}: {len(items)} items -> dev {len(dev)}, test {len(test)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1]), sys.argv[2] if len(sys.argv) > 2 else "today"))
