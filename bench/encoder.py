"""What the int8 option of the sentence encoder saves and how far it moves the vectors
(`make bench-encoder`, about a minute).

Both encoders encode the synthetic held-out questions one at a time, as the servers do, in
alternating passes; CPU time per message is the median over the passes. Agreement is the cosine
between each question's int8 and float32 vectors. Reports go to
bench/reports/encoder-<UTC time>.{json,md}.
"""

import datetime as dt
import statistics
import sys
import time
from typing import Any

import numpy as np

from bench.run import BENCH, machine, write_report
from bot.language.encoder import SentenceEncoder, model_directory
from bot.language.nlu_examples import read_nlu_examples
from bot.paths import HELD_OUT_NLU

PASSES = 5


def cpu_ms_per_message(encoder: SentenceEncoder, texts: list[str]) -> float:
    started = time.process_time()
    for text in texts:
        encoder.encode([text])
    return (time.process_time() - started) * 1000 / len(texts)


def measure(texts: list[str]) -> dict[str, Any]:
    encoders = {weights: SentenceEncoder(model_directory(), weights=weights) for weights in ("float32", "int8")}
    timings: dict[str, list[float]] = {weights: [] for weights in encoders}
    for _ in range(PASSES):
        for weights, encoder in encoders.items():
            timings[weights].append(cpu_ms_per_message(encoder, texts))
    cosines = (encoders["int8"].encode(texts) * encoders["float32"].encode(texts)).sum(axis=1)
    return {"messages": len(texts), "passes": PASSES,
            "cpu_ms_per_message": {weights: round(statistics.median(values), 2) for weights, values in timings.items()},
            "cosine_int8_vs_float32": {"mean": round(float(cosines.mean()), 4),
                                       "p1": round(float(np.percentile(cosines, 1)), 4),
                                       "min": round(float(cosines.min()), 4)}}


def markdown(report: dict[str, Any]) -> str:
    cpu, cosine = report["cpu_ms_per_message"], report["cosine_int8_vs_float32"]
    return "\n".join([
        f"# Sentence encoder, float32 against int8, {report['date']}", "",
        f"Machine: {report['machine']['cpu']}, {report['machine']['cores']} cores. Command: `make bench-encoder`.",
        f"{report['messages']} synthetic held-out questions, one at a time, {report['passes']} alternating passes.", "",
        "| weights | CPU ms per message (median of passes) |", "|---|---|",
        f"| float32 | {cpu['float32']} |", f"| int8 | {cpu['int8']} |", "",
        f"Cosine between a question's int8 and float32 vectors: mean {cosine['mean']}, "
        f"1st percentile {cosine['p1']}, lowest {cosine['min']}.", ""])


def main() -> int:
    texts = [example.text for example in read_nlu_examples(HELD_OUT_NLU)]
    date = dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H%M%SZ")
    report = {"date": date, "machine": machine(), **measure(texts)}
    write_report(BENCH / "reports" / f"encoder-{date}", report, markdown(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
