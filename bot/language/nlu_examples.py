"""The examples of a Rasa NLU YAML file, read without Rasa (the learned screen, tests, the benchmark)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml


@dataclass(frozen=True)
class Example:
    intent: str
    text: str


def read_nlu_examples(path: Path) -> list[Example]:
    """The `- intent:` / `examples: |` items of a Rasa NLU YAML file, in file order."""
    document = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    examples = []
    for item in document.get("nlu", []):
        if "intent" not in item:
            continue
        for line in str(item.get("examples", "")).splitlines():
            line = line.strip()
            if line.startswith("- "):
                examples.append(Example(item["intent"], line[2:].strip()))
    return examples
