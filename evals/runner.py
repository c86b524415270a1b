"""The answer-benchmark runner: a question file in; results.jsonl, metrics.json, report.md and
plots out (formats: ../shared/evals-format.md).

The question file is validated completely before anything else happens. Each result line is
written and flushed as soon as its question is answered, so an interrupted run keeps what it
did; `resume=True` continues such a run where it stopped.
"""

from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from tqdm import tqdm

from assistant.errors import QuestionError
from assistant.settings import Settings
from evals.configs import default_corpus_dirs
from evals.metrics import (
    ANSWER_HIT_METHOD,
    CITATION_SUPPORT_METHOD,
    compute_metrics,
    support_method_used,
)
from evals.questions import GoldWarning, Question, gold_warnings, load_questions

if TYPE_CHECKING:
    from assistant.core import Assistant

log = logging.getLogger(__name__)

RESULTS = "results.jsonl"
METRICS = "metrics.json"
RUN_INFO = "run.json"


class RunError(RuntimeError):
    """A run that cannot start or continue (e.g. resuming with other settings)."""


@dataclass
class RunOutcome:
    out_dir: Path
    metrics: dict
    warnings: list[GoldWarning] = field(default_factory=list)
    report: Path | None = None
    plots: list[Path] = field(default_factory=list)

    @property
    def results_path(self) -> Path:
        return self.out_dir / RESULTS


def question_dict(question: Question) -> dict:
    """What the metrics need of a question."""
    return {"id": question.id, "answerable": question.answerable, "gold": question.gold_dicts(),
            "tags": list(question.tags), "question": question.question}


def answer_one(assistant: Assistant, question: Question) -> dict:
    """The result object of one question; a question the assistant rejects (too long) is
    recorded with an `error` and no answer instead of stopping the run."""
    try:
        return assistant.ask(question.question).as_result(question.id)
    except QuestionError as error:
        return {"id": question.id, "question": question.question, "answer": "",
                "refused": False, "citations": [], "passages": [], "latency_ms": {},
                "error": str(error)}


def index_passages(assistant: Assistant) -> list[tuple[str, str]]:
    """(source file name, text) of every indexed passage: what a gold item can match."""
    return [(chunk.source, chunk.text) for chunk in assistant.retriever.chunks]


def prepare_assistant(settings: Settings, corpus_dirs: list[Path] | None = None,
                      progress: bool = True) -> Assistant:
    """Build the config's index on demand (ingest is incremental), then load the Assistant."""
    from assistant.core import Assistant
    from ingest.pipeline import run_ingest

    dirs = list(corpus_dirs) if corpus_dirs else default_corpus_dirs(settings)
    if dirs:
        report = run_ingest(settings, dirs, progress=progress)
        for problem in report.problems:
            log.warning("ingest: %s: %s", problem.path, problem.reason)
    else:
        log.warning("no corpus folder found: using the index as it is")
    return Assistant(settings)


def run_benchmark(
    questions_path: Path | str,
    out_dir: Path | str,
    settings: Settings | None = None,
    config_name: str = "custom",
    corpus_dirs: list[Path] | None = None,
    assistant: Assistant | None = None,
    progress: bool = True,
    resume: bool = False,
    plots: bool = True,
) -> RunOutcome:
    """Answer every question of the file and write the run folder.

    Pass `assistant` to reuse a loaded one (its settings are then the run's settings and no
    ingest happens); otherwise the config's index is built on demand from `corpus_dirs`.
    """
    questions = load_questions(questions_path)  # fails on a malformed file before any work
    out = Path(out_dir)
    if settings is None:
        settings = assistant.settings if assistant is not None else Settings()
    info = {"config_name": config_name, "config": settings.run_config(),
            "config_hash": settings.settings_hash(),
            "questions_file": str(Path(questions_path).resolve())}
    done = _previous_results(out, questions, info) if resume else []
    out.mkdir(parents=True, exist_ok=True)
    if assistant is None:
        assistant = prepare_assistant(settings, corpus_dirs, progress)
    elif assistant.settings.settings_hash() != settings.settings_hash():
        raise RunError("the assistant passed in was built with other settings than the run's")
    warnings = gold_warnings(questions, index_passages(assistant))
    for warning in warnings:
        log.warning(warning.message())
    info["warnings"] = [w.__dict__ for w in warnings]
    (out / RUN_INFO).write_text(json.dumps({**info, "started": time.time()}, indent=2) + "\n",
                                encoding="utf-8")
    results = list(done)
    with (out / RESULTS).open("w", encoding="utf-8") as handle:
        for result in done:
            _write_line(handle, result)
        todo = questions[len(done):]
        bar = tqdm(todo, desc=f"evals {config_name}", unit="q", disable=not progress)
        for question in bar:
            result = answer_one(assistant, question)
            _write_line(handle, result)
            results.append(result)
    return finish_run(out, questions, results, info, warnings, plots=plots)


def rescore(out_dir: Path | str, plots: bool = True) -> RunOutcome:
    """Recompute metrics.json, report.md and the plots of a finished run from its files."""
    out = Path(out_dir)
    if not (out / RUN_INFO).is_file():
        raise RunError(f"{out} is not a run folder: no {RUN_INFO}")
    info = json.loads((out / RUN_INFO).read_text(encoding="utf-8"))
    questions = load_questions(info["questions_file"])
    results = read_results(out / RESULTS)
    if len(results) != len(questions):
        raise RunError(f"{out} holds {len(results)} of {len(questions)} results: finish it "
                       "with `run --resume` first")
    warnings = [GoldWarning(**w) for w in info.get("warnings", [])]
    return finish_run(out, questions, results, info, warnings, plots=plots)


def finish_run(out: Path, questions: list[Question], results: list[dict], info: dict,
               warnings: list[GoldWarning], plots: bool = True) -> RunOutcome:
    """metrics.json, report.md and the plots of a completed run (`info`: config_name,
    config, config_hash and questions_file, as in run.json)."""
    from evals.report import write_report

    metrics = compute_metrics([question_dict(q) for q in questions], results)
    metrics.update({
        "config_name": info["config_name"],
        "config": info["config"],
        "config_hash": info["config_hash"],
        "questions_file": info["questions_file"],
        "citation_support_method": CITATION_SUPPORT_METHOD,
        "citation_support_used": support_method_used(
            metrics["counts"], (info.get("config") or {}).get("answer_mode")),
        "answer_hit_method": ANSWER_HIT_METHOD,
        "warnings": [w.message() for w in warnings],
    })
    (out / METRICS).write_text(json.dumps(metrics, indent=2, ensure_ascii=False) + "\n",
                               encoding="utf-8")
    report, images = write_report(out, [question_dict(q) for q in questions], results, metrics,
                                  warnings, plots=plots)
    return RunOutcome(out_dir=out, metrics=metrics, warnings=warnings, report=report,
                      plots=images)


def _write_line(handle: TextIO, result: dict) -> None:
    handle.write(json.dumps(result, ensure_ascii=False) + "\n")
    handle.flush()  # an interrupted run keeps every answered question


def read_results(path: Path) -> list[dict]:
    """The complete lines of a results file (a line cut by an interruption is dropped)."""
    results: list[dict] = []
    if not path.is_file():
        return results
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        try:
            results.append(json.loads(line))
        except json.JSONDecodeError:
            break
    return results


def _previous_results(out: Path, questions: list[Question], info: dict) -> list[dict]:
    """Results of an interrupted run of the same questions and settings, to continue it."""
    previous = out / RUN_INFO
    if not previous.is_file():
        return []
    old = json.loads(previous.read_text(encoding="utf-8"))
    if old.get("config_hash") != info["config_hash"]:
        raise RunError(f"{out} holds a run with settings {old.get('config_hash')}, not "
                       f"{info['config_hash']}: use another --out folder")
    results = read_results(out / RESULTS)
    ids = [q.id for q in questions]
    done_ids = [r.get("id") for r in results]
    if done_ids != ids[:len(done_ids)]:
        raise RunError(f"{out / RESULTS} does not hold the start of this question file")
    return results
