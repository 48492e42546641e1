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


class UndecodableBody(KabarError):
    """The body is not what its type says (bytes that are not UTF-8, base64 that is not base64)."""

    status = 400
    code = "undecodable_body"

    def __init__(self) -> None:
        super().__init__(t("Isi permintaan tidak dapat dibaca (harus teks UTF-8).",
                           "The request body cannot be read (it must be UTF-8 text)."))


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


class TooManyAttempts(KabarError):
    """Too many failed token attempts from one client: wait ``retry_after`` seconds."""

    status = 429
    code = "too_many_attempts"

    def __init__(self, retry_after: int) -> None:
        super().__init__(t(f"Terlalu banyak percobaan token yang salah. Coba lagi dalam {retry_after} detik.",
                           f"Too many wrong token attempts. Try again in {retry_after} seconds."))
        self.retry_after = retry_after
