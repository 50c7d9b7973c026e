"""`python -m bot.safety explain "message" [--json]`: the findings and rules behind one decision.
`python -m bot.safety fit`: fit the learned second opinion now (make model does), so no server
fits it while it loads."""

import argparse
import json
import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # spaCy's thinc imports TensorFlow, which logs on import

from bot.safety.explain import as_text, explain  # noqa: E402
from bot.safety.learned import CACHE, learned_screen, training_items  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot.safety", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    explain_command = commands.add_parser("explain", help="print what the screen found in a message and why")
    explain_command.add_argument("message", help="the patient's message, in quotes")
    explain_command.add_argument("--json", action="store_true", help="machine-readable output")
    commands.add_parser("fit", help="fit the learned second opinion (cached in models/) if its data changed")
    arguments = parser.parse_args(argv)
    if arguments.command == "fit":
        learned_screen()
        print(f"learned safety opinion: {len(training_items())} labelled messages, cached in {CACHE}")
        return 0
    explanation = explain(arguments.message)
    print(json.dumps(explanation, indent=2, ensure_ascii=False) if arguments.json else as_text(explanation))
    return 0


if __name__ == "__main__":
    sys.exit(main())
