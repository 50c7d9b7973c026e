"""How the real dev questions fare when they are NOT trained on: k-fold cross-validation
(`make bench-cv`).

Since 2026-12-07 the dev split is trained on (tools/real_questions_nlu.py), so its figure in
`make bench` is a training figure. Choices about data, config and thresholds still need a split we
do not train on, and the test split must never be it. So the dev questions are split into folds by
source page (every question of a page in one fold, as the dev/test split was made); for each fold
a model is trained on everything except that fold's questions and then scores them, with the same
reply logic as the conversation (bot/language/clarify.py). The folds' tallies are added up into one
figure for the whole dev split. It trains one model per fold: about 1–2 minutes each on 2 cores.
Reports go to bench/reports/cv-<UTC time>.{json,md}.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import hashlib
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

from bench.run import BENCH, REAL_QUESTIONS, machine, real_question_row, train, write_report
from bench.safety_scoring import read_screening_set
from bench.scoring import RealQuestionScore
from bot.paths import ROOT
from tools.real_questions_nlu import TARGET, render


def fold_of(url: str, folds: int) -> int:
    """A page's fold: from the SHA-256 of its address, so the folds do not depend on file order."""
    return int(hashlib.sha256(url.encode("utf-8")).hexdigest(), 16) % folds


def training_data_without(held: list[dict[str, Any]], workdir: Path) -> Path:
    """A copy of data/ whose real-question file leaves the held questions out."""
    data = workdir / "data"
    shutil.copytree(ROOT / "data", data)
    (data / TARGET.relative_to(ROOT / "data")).write_text(render([item["text"] for item in held]), encoding="utf-8")
    return data


def score_fold(model: Path, held: list[dict[str, Any]], tally: RealQuestionScore) -> None:
    from rasa.core.agent import load_agent

    agent = asyncio.run(load_agent(model_path=str(model)))
    for item in held:
        tally.add_parsed(item, asyncio.run(agent.parse_message(item["text"])))


def cross_validate(folds: int, config: Path) -> RealQuestionScore:
    questions = read_screening_set(REAL_QUESTIONS["dev"])
    tally = RealQuestionScore()
    for fold in range(folds):
        held = [item for item in questions if fold_of(item["url"], folds) == fold]
        with tempfile.TemporaryDirectory(prefix="cv-", dir=BENCH / "tmp") as workdir:
            data = training_data_without(held, Path(workdir))
            model, seconds = train(config, Path(workdir) / "models", f"fold{fold}", data=data)
            print(f"[fold {fold + 1}/{folds}] {len(held)} questions held out, trained in {seconds:.0f}s", flush=True)
            score_fold(model, held, tally)
    return tally


def markdown(report: dict[str, Any]) -> str:
    real = report["dev_cross_validated"]
    return "\n".join([
        f"# Cross-validated dev figures {report['date']}", "",
        f"Machine: {report['machine']['cpu']}, {report['machine']['cores']} cores. "
        f"Command: `make bench-cv` ({report['folds']} folds by source page, config `{report['config']}`).", "",
        "| split | covered: right answer | … incl. after a choice | not covered: declined "
        "| … incl. after a choice | asked to choose |", "|---|---|---|---|---|---|",
        real_question_row("dev, each fold scored by a model not trained on it", real), ""])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--config", type=Path, default=ROOT / "config.yml")
    args = parser.parse_args(argv)
    (BENCH / "tmp").mkdir(exist_ok=True)
    date = dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H%M%SZ")
    config = args.config.resolve()
    report = {"date": date, "machine": machine(), "folds": args.folds,
              "config": str(config.relative_to(ROOT)) if config.is_relative_to(ROOT) else str(config),
              "dev_cross_validated": cross_validate(args.folds, config).report()}
    write_report(BENCH / "reports" / f"cv-{date}", report, markdown(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
