"""An e-mail address field that checks like pydantic's ``EmailStr`` but loads its checker when first used.

pydantic's ``EmailStr`` imports ``email_validator`` when a model using it is defined; that import
compiles the RFC grammar's regular expressions (about 14 ms, a tenth of a handler's cold start) in
every function, including those that never read an address. This type defers it to the first address
checked, with the same rules (``pydantic.networks.validate_email``: normalised, no deliverability
lookup) and the same JSON schema (``format: email``).
"""

from __future__ import annotations

from typing import Any

from pydantic import GetCoreSchemaHandler, GetJsonSchemaHandler
from pydantic_core import core_schema


class EmailStr(str):
    @classmethod
    def __get_pydantic_core_schema__(cls, _source: type[Any], _handler: GetCoreSchemaHandler) -> core_schema.CoreSchema:
        return core_schema.no_info_after_validator_function(_validate, core_schema.str_schema())

    @classmethod
    def __get_pydantic_json_schema__(cls, schema: core_schema.CoreSchema,
                                     handler: GetJsonSchemaHandler) -> dict[str, Any]:
        field_schema = handler(schema)
        field_schema.update(type="string", format="email")
        return field_schema


def _validate(value: str) -> str:
    from pydantic.networks import validate_email

    return validate_email(value)[1]
