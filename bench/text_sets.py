"""The accuracy and safety figures alone, without serving or timing anything (`make bench-text`).

Loads the trained model in-process and scores the real-question splits and every screening set,
as `make bench` does, in a few minutes. Reports go to bench/reports/text-sets-<UTC time>.{json,md}.
"""

import asyncio
import datetime as dt
import sys
from typing import Any

from bench.run import (
    BENCH,
    SPLIT_NAMES,
    held_out_scores,
    issue_table_head,
    machine,
    real_question_row,
    real_questions,
    safety,
    write_report,
)
from bot.paths import ROOT

MODEL = ROOT / "models" / "current.tar.gz"


def markdown(report: dict[str, Any]) -> str:
    held_out = report["held_out"]
    lines = [f"# Text-set figures {report['date']}", "",
             f"Machine: {report['machine']['cpu']}, {report['machine']['cores']} cores. Command: `make bench-text`.", "",
             f"Synthetic held-out NLU set (tests/nlu/test_nlu.yml, {held_out['held_out_examples']} questions): "
             f"answer accuracy {held_out['held_out_accuracy']}, strict intent accuracy "
             f"{held_out['held_out_strict_intent_accuracy']}.", "",
             "| split | covered: right answer | … incl. after a choice | not covered: declined "
             "| … incl. after a choice | asked to choose |", "|---|---|---|---|---|---|"]
    for split, real in report["real_questions"].items():
        lines.append(real_question_row(SPLIT_NAMES[split], real))
    lines += ["", *issue_table_head("screening set", "detector")]
    for name, result in report["safety"].items():
        for detector, table in result.get("issue_table", {}).items():
            lines.append(f"| {name} ({result['messages']}) | {detector} | " + " | ".join(map(str, table.values())) + " |")
    return "\n".join(lines) + "\n"


def main() -> int:
    from rasa.core.agent import load_agent

    agent = asyncio.run(load_agent(model_path=str(MODEL)))
    parse = lambda text: asyncio.run(agent.parse_message(text))  # noqa: E731
    date = dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H%M%SZ")
    report = {"date": date, "machine": machine(), "model": str(MODEL.relative_to(ROOT)),
              "held_out": held_out_scores(parse), "real_questions": real_questions(parse),
              "safety": safety()}
    write_report(BENCH / "reports" / f"text-sets-{date}", report, markdown(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
