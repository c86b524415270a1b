"""Trainer material built on the assistant: briefs, quizzes, the provisions browser,
and their exports."""
