"""`python -m evals run|rescore|compare|bench|tune|load` (also the `unodc-evals` command)."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Sequence
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

from evals.configs import CONFIG_DESCRIPTIONS, ConfigError, build_settings  # noqa: E402
from evals.questions import QuestionFileError  # noqa: E402

EXIT_BAD_INPUT = 2


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m evals", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    run = commands.add_parser("run", help="answer a question file and write a run folder",
                              formatter_class=argparse.RawDescriptionHelpFormatter,
                              epilog="configs:\n" + "\n".join(
                                  f"  {name:<13} {text}" for name, text in
                                  CONFIG_DESCRIPTIONS.items()))
    run.add_argument("--questions", required=True, type=Path, help="question file (JSON Lines)")
    run.add_argument("--out", required=True, type=Path, help="run folder to write")
    run.add_argument("--config", default="default", choices=list(CONFIG_DESCRIPTIONS))
    run.add_argument("--set", dest="overrides", action="append", default=[],
                     metavar="KEY=VALUE", help="override a setting (repeatable), e.g. k=20")
    run.add_argument("--corpus-dir", dest="corpus_dirs", action="append", type=Path,
                     help="corpus folder to ingest on demand (repeatable; default: "
                          "UNODC_CORPUS_DIR, else ../shared/corpus/raw)")
    run.add_argument("--resume", action="store_true",
                     help="continue an interrupted run in the same --out folder")
    run.add_argument("--no-progress", action="store_true", help="no progress bars")

    rescore = commands.add_parser("rescore", help="recompute metrics and report of run folders")
    rescore.add_argument("runs", nargs="+", type=Path, help="run folders")

    compare = commands.add_parser("compare", help="compare run folders side by side")
    compare.add_argument("runs", nargs="+", type=Path, help="run folders")
    compare.add_argument("--out", type=Path, help="also write the table to this Markdown file")
    compare.add_argument("--plot", type=Path,
                         help="bar plot PNG (default: next to --out, else ./compare.png)")

    bench = commands.add_parser("bench", help="ingest and latency bench on the replicated corpus")
    bench.add_argument("--sizes", default="1,10,50", help="replication factors, e.g. 1,10,50")
    bench.add_argument("--out", type=Path, default=Path("docs/benchmarks.md"))
    bench.add_argument("--configs", default="default,baseline")
    bench.add_argument("--corpus-dir", dest="corpus_dirs", action="append", type=Path)
    bench.add_argument("--questions", type=Path, help="questions to time (default: dev set)")
    bench.add_argument("--keep", type=Path, metavar="DIR",
                       help="build the indexes in DIR/<config>-x<size> and keep them (for "
                            "--latency-only or a memory probe of the app on them)")
    bench.add_argument("--latency-only", type=Path, metavar="DATA_DIR",
                       help="time the questions again on the index a bench built in DATA_DIR "
                            "(one config, one size); the row's ingest figures are kept")

    tune = commands.add_parser("tune", help="choose a setting by k-fold cross-validation")
    tune.add_argument("--questions", type=Path, action="append",
                      help="question file (repeatable: the files are pooled; default: the dev "
                           "set)")
    tune.add_argument("--param", dest="params", action="append", required=True,
                      metavar="NAME=V1,V2,...",
                      help="a setting and its candidate values (repeatable), e.g. "
                           "refusal_threshold=0.3,0.4,0.5 or ranking.bm25=0.1,0.3,0.5")
    tune.add_argument("--folds", type=int, default=5)

    load = commands.add_parser("load", help="many simultaneous chat users against the real app")
    load.add_argument("--users", type=int, default=50)
    load.add_argument("--questions", dest="per_user", type=int, default=2,
                      help="questions each user asks, one after the other")
    load.add_argument("--question-file", type=Path, default=Path("evals/questions.jsonl"))
    load.add_argument("--data-dir", type=Path,
                      help="index to serve (default: UNODC_DATA_DIR, else ./data)")
    load.add_argument("--concurrency", type=int, help="UNODC_CONCURRENCY for the app")
    load.add_argument("--out", type=Path, default=Path("runs/load.json"))
    load.add_argument("--client", choices=["http", "gradio"], default="http",
                      help="how each user talks to the app: its HTTP API as a browser does "
                           "(default), or gradio_client")
    return parser


def cmd_load(args: argparse.Namespace) -> int:
    from assistant.settings import Settings
    from evals.load import MARKDOWN_HEADER, load_bench

    if args.users < 1 or args.per_user < 1:
        raise ConfigError("--users and --questions must be at least 1")
    data_dir = args.data_dir or Settings().data_dir
    result = load_bench(data_dir, args.users, args.per_user, args.question_file,
                        args.concurrency, args.out, client=args.client)
    print(MARKDOWN_HEADER)
    print(result.markdown_row())
    for error in result.errors[:10]:
        print(f"error: {error}", file=sys.stderr)
    print(f"written: {args.out}")
    return 0 if not result.errors and not result.cross_talk else 1


def cmd_tune(args: argparse.Namespace) -> int:
    from evals.tune import OBJECTIVE, parse_values, tune

    files = args.questions or [Path("evals/questions.jsonl")]
    print(f"objective: {OBJECTIVE}; {args.folds}-fold cross-validation over "
          f"{', '.join(str(f) for f in files)}")
    print("| setting | value picked by each fold | held-fold objective (mean ± sd) | "
          "objective on all questions |")
    print("|---|---|---|---|")
    for param in args.params:
        name, sep, values = param.partition("=")
        if not sep or not values:
            raise ConfigError(f"--param {param!r} is not NAME=V1,V2,...")
        print(tune(files, name.strip(), parse_values(values), args.folds)
              .markdown_row(), flush=True)
    return 0


def cmd_run(args: argparse.Namespace) -> int:
    from evals.runner import run_benchmark

    settings = build_settings(args.config, args.overrides)
    outcome = run_benchmark(args.questions, args.out, settings, config_name=args.config,
                            corpus_dirs=args.corpus_dirs, progress=not args.no_progress,
                            resume=args.resume)
    m = outcome.metrics
    print(f"{args.config}: hit@5 {m['hit@5']}  MRR@10 {m['mrr@10']}  refusal accuracy "
          f"{m['refusal_accuracy']}  false refusals {m['false_refusal_rate']}  answer hit "
          f"{m.get('answer_hit')}  wrongly answered {m.get('wrongly_answered')}  citation validity "
          f"{m['citation_validity']}  citation support {m['citation_support']}")
    for warning in outcome.warnings:
        print(f"warning: {warning.message()}", file=sys.stderr)
    print(f"report: {outcome.report}")
    return 0


def cmd_rescore(args: argparse.Namespace) -> int:
    from evals.runner import rescore

    for folder in args.runs:
        print(f"{folder}: {rescore(folder).report}")
    return 0


def cmd_compare(args: argparse.Namespace) -> int:
    from evals.compare import compare_runs

    table, plot = compare_runs(args.runs, args.out, args.plot)
    print(table)
    print(f"plot: {plot}")
    return 0


def cmd_bench(args: argparse.Namespace) -> int:
    from evals.bench import DEV_QUESTIONS, BenchError, parse_sizes, remeasure_latency, run_bench

    configs = [c.strip() for c in args.configs.split(",") if c.strip()]
    for config in configs:
        build_settings(config)  # an unknown name fails now, not after an hour of ingest
    sizes = parse_sizes(args.sizes)
    if args.latency_only:
        if len(configs) != 1 or len(sizes) != 1:
            raise BenchError("--latency-only takes exactly one config and one size")
        remeasure_latency(args.out, configs[0], sizes[0], args.latency_only,
                          args.questions or DEV_QUESTIONS)
    else:
        run_bench(sizes, args.out, configs, args.corpus_dirs, args.questions or DEV_QUESTIONS,
                  keep=args.keep)
    print(f"written: {args.out}")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    from assistant.errors import EmptyIndexError
    from evals.bench import BenchError
    from evals.compare import CompareError
    from evals.runner import RunError

    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    handlers = {"run": cmd_run, "rescore": cmd_rescore, "compare": cmd_compare,
                "bench": cmd_bench, "tune": cmd_tune, "load": cmd_load}
    try:
        return handlers[args.command](args)
    except (QuestionFileError, ConfigError, CompareError, RunError, BenchError,
            EmptyIndexError) as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_BAD_INPUT


if __name__ == "__main__":
    sys.exit(main())
