"""`python -m assistant ask "question" [--json] [--k N] [--filter kind=treaty ...]`."""

from __future__ import annotations

import argparse
import json
import sys

from assistant.errors import AssistantError
from assistant.models import Answer, Filters
from assistant.settings import Settings


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m assistant", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    ask = commands.add_parser("ask", help="answer a question with cited passages")
    ask.add_argument("question")
    ask.add_argument("--json", action="store_true",
                     help="print the result object of ../shared/evals-format.md")
    ask.add_argument("--k", type=int, help="number of passages to retrieve")
    ask.add_argument("--filter", action="append", default=[], metavar="KEY=VALUE",
                     help="kind=treaty, instrument='TIP Protocol', source=FILE, doc=ID, "
                          "year=2000-2010 (repeatable)")
    ask.add_argument("--mode", choices=["extractive", "llm", "passages"])
    return parser


def format_answer(answer: Answer) -> str:
    lines = [answer.text, ""]
    if answer.refused:
        lines.append("Possibly related:")
        for passage in answer.passages[:3]:
            lines.append(f"  - {passage.chunk.title}, {passage.chunk.locator}")
        return "\n".join(lines)
    lines.append("Sources:")
    for citation in answer.citations:
        page = ""
        if citation.page_start:
            label = f"p. {citation.page_label}, " if citation.page_label else ""
            page = f" ({label}PDF page {citation.page_start})"
        lines.append(f"  [{citation.n}] {citation.title}, {citation.locator}{page}")
    lines += [f"Note: {notice}" for notice in answer.notices]
    return "\n".join(lines)


def run_ask(args: argparse.Namespace) -> int:
    from assistant.core import Assistant

    filters = Filters.parse(args.filter)
    answer = Assistant(Settings()).ask(args.question, filters=filters, k=args.k, mode=args.mode)
    if args.json:
        print(json.dumps(answer.as_result(), ensure_ascii=False, indent=2))
    else:
        print(format_answer(answer))
    return 0


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return COMMANDS[args.command](args)
    except (AssistantError, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2


COMMANDS = {"ask": run_ask}

if __name__ == "__main__":
    raise SystemExit(main())
