"""`python -m assistant ask "question" [--json] [--k N] [--filter kind=treaty ...]`;
`show "SOM Protocol, art. 6"` (or `show "TIP Protocol"` for its contents);
`compare "victim protection" --instruments "TIP Protocol" "SOM Protocol"`."""

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
    brief = commands.add_parser("brief", help="a trainer's brief on a topic, quoted and cited")
    brief.add_argument("topic", help="free text or a Working Group preset, e.g. 'child "
                                     "trafficking'")
    brief.add_argument("--format", choices=["md", "docx"], default="md")
    brief.add_argument("--out", help="file to write (default: print Markdown)")
    quiz = commands.add_parser("quiz", help="quiz questions on a topic, each with its citation")
    quiz.add_argument("topic")
    quiz.add_argument("--n", type=int, default=10, help="number of questions (default 10)")
    quiz.add_argument("--format", choices=["md", "docx", "json"], default="md")
    quiz.add_argument("--out", help="file to write (default: print)")
    show = commands.add_parser("show", help="an article with what it refers to and what "
                                            "refers to it, or an instrument's contents")
    show.add_argument("provision", help="'SOM Protocol, art. 6', or an instrument: 'UNTOC'")
    compare = commands.add_parser("compare", help="the corresponding provisions of two or "
                                                  "more instruments side by side")
    compare.add_argument("topic", help="free text or one of: definitions, criminalisation, "
                                       "protection, return, prevention, cooperation")
    compare.add_argument("--instruments", nargs="+", required=True, metavar="INSTRUMENT")
    compare.add_argument("--format", choices=["md", "docx"], default="md")
    compare.add_argument("--out", help="file to write (default: print Markdown)")
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
    if answer.referred_to:
        lines.append("Referred to:")
        for citation in answer.referred_to:
            lines.append(f"  [{citation.n}] {citation.title}, {citation.locator}: "
                         f"\u201c{citation.quote}\u201d")
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


def run_brief(args: argparse.Namespace) -> int:
    from assistant.core import Assistant
    from assistant.trainer.export import render_brief
    from assistant.trainer.summary import brief_with_summary

    brief = brief_with_summary(Assistant(Settings()), args.topic)
    return _emit(render_brief(brief, args.format), args.out)


def run_quiz(args: argparse.Namespace) -> int:
    from assistant.core import Assistant
    from assistant.trainer.export import render_quiz
    from assistant.trainer.quiz import build_quiz

    quiz = build_quiz(Assistant(Settings()), args.topic, n=args.n)
    return _emit(render_quiz(quiz, args.format), args.out)


def run_show(args: argparse.Namespace) -> int:
    from assistant.core import Assistant
    from assistant.retrieval.crossrefs import graph_of
    from assistant.trainer.provisions import article_markdown, instruments, toc_markdown, view_for

    assistant = Assistant(Settings())
    graph = graph_of(assistant.retriever)
    known = {i.instrument.lower(): i.instrument for i in instruments(graph)}
    wanted = args.provision.strip().lower()
    if wanted in known:
        print(toc_markdown(graph, known[wanted]))
    else:
        print(article_markdown(view_for(graph, args.provision)))
    return 0


def run_compare(args: argparse.Namespace) -> int:
    from assistant.core import Assistant
    from assistant.trainer.provisions import compare, render_comparison

    assistant = Assistant(Settings())
    comparison = compare(lambda query, filters: assistant.retrieve(query, filters=filters),
                         args.topic, args.instruments)
    return _emit(render_comparison(comparison, args.format), args.out)


def _emit(content: str | bytes, out: str | None) -> int:
    from assistant.trainer.export import write_output

    if out:
        print(f"wrote {write_output(content, out)}")
    elif isinstance(content, bytes):
        raise ValueError("a .docx document needs --out FILE")
    else:
        print(content)
    return 0


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return COMMANDS[args.command](args)
    except (AssistantError, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2


COMMANDS = {"ask": run_ask, "brief": run_brief, "quiz": run_quiz, "show": run_show,
            "compare": run_compare}

if __name__ == "__main__":
    raise SystemExit(main())
