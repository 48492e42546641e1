"""Bilingual text: every message a person reads is Bahasa Indonesia first, English second."""

from __future__ import annotations

from pydantic import BaseModel


class Bilingual(BaseModel):
    id: str
    en: str

    def __str__(self) -> str:
        return f"{self.id} ({self.en})"


def t(id_text: str, en_text: str) -> Bilingual:
    return Bilingual(id=id_text, en=en_text)
