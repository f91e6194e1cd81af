"""Use cases: take a session first, raise the project's errors, never commit, import no FastAPI."""
