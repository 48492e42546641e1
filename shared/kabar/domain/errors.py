"""Typed domain errors. Each maps to one HTTP answer in one place (``kabar.http``)."""

from __future__ import annotations

from .text import Bilingual, t


class KabarError(Exception):
    """Base of every error the domain raises on purpose."""

    status = 400
    code = "bad_request"

    def __init__(self, message: Bilingual, fields: list[dict] | None = None) -> None:
        super().__init__(str(message))
        self.message = message
        self.fields = fields or []


class InvalidInput(KabarError):
    status = 422
    code = "invalid_input"


class RequirementsNotMet(KabarError):
    """The SOP's *kelengkapan* (required items) are not satisfied."""

    status = 422
    code = "requirements_not_met"


class Unauthorized(KabarError):
    status = 401
    code = "unauthorized"

    def __init__(self) -> None:
        super().__init__(t("Tautan atau token tidak sah.", "The link or token is not valid."))


class NotFound(KabarError):
    """Also what a person of another village gets: nothing about the item's existence leaks."""

    status = 404
    code = "not_found"

    def __init__(self, what: str = "item") -> None:
        super().__init__(t("Data tidak ditemukan.", "Not found."))
        self.what = what


class Conflict(KabarError):
    status = 409
    code = "conflict"


class InvalidTransition(Conflict):
    code = "invalid_transition"
