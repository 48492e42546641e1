"""The JSON API's OpenAPI 3 document, made from the handlers themselves.

Every HTTP function whose resolver validates its routes (``kabar.http.make_resolver(validation=True)``)
contributes its part: Powertools' Event Handler builds it from the routes' types (path, query and header
parameters, the pydantic request bodies, the response models named on each route). The parts are merged
(Powertools' ``OpenAPIMerge``) in the order of ``template.yaml``; the handlers are reached through the
template's handler paths, as the local stack and Lambda reach them.

- ``make openapi`` writes the document to ``docs/openapi.json``; a test holds the checked-in copy to
  what the handlers make now.
- the local stack serves it at ``/openapi.json`` and a reference page (Swagger UI, shipped inside
  Powertools, nothing fetched from elsewhere) at ``/api/``.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from aws_lambda_powertools.event_handler.openapi.merge import OpenAPIMerge

from .lambda_runtime import load_handler
from .template import load_model

ROOT = Path(__file__).resolve().parents[2]
DOCUMENT = ROOT / "docs" / "openapi.json"
ERROR_REF = {"$ref": "#/components/schemas/ErrorBody"}
#: Powertools' own 422 shape, which Kabar's validation handler never answers (kabar.http.make_resolver)
_POWERTOOLS_422 = "#/components/schemas/HTTPValidationError"


def _model(template: Path | str) -> Any:
    from .stack import LOCAL_FALLBACKS, LOCAL_PARAMETERS

    return load_model(template, {**LOCAL_PARAMETERS, **LOCAL_FALLBACKS})


def api_functions(model: Any) -> list[tuple[str, Any]]:
    """(logical id, resolver) of each HTTP function whose routes are typed, in the template's order."""
    found = []
    for function in model.functions:
        if not any(type(ev).__name__ == "HttpApiEvent" for ev in function.events):
            continue
        module, _ = load_handler(function.code_dir, function.handler, f"kabar_openapi_{function.logical_id}")
        app = getattr(module, "app", None)
        if app is not None and getattr(app, "_enable_validation", False):
            found.append((function.logical_id, app))
    return found


def _our_errors(node: Any) -> Any:
    """Every error answer in Kabar's one shape: Powertools' default 422 schema is replaced by ``ErrorBody``."""
    if isinstance(node, dict):
        if node.get("$ref") == _POWERTOOLS_422:
            return dict(ERROR_REF)
        return {k: _our_errors(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_our_errors(v) for v in node]
    return node


def document(model: Any = None) -> dict[str, Any]:
    """The merged document of the template's typed HTTP functions (``model``: a loaded template, e.g. the
    running local stack's; by default the repository's ``template.yaml``)."""
    from kabar.http import OPENAPI

    model = model if model is not None else _model(ROOT / "template.yaml")
    merge = OpenAPIMerge(title=OPENAPI["title"], version=OPENAPI["version"], description=OPENAPI["description"],
                         on_conflict="error")
    for _, app in api_functions(model):
        merge.add_schema(app.get_openapi_schema())
    doc = _our_errors(json.loads(merge.get_openapi_json_schema()))
    for path_item in doc.get("paths", {}).values():
        for operation in path_item.values():
            for answer in operation.get("responses", {}).values():
                if answer.get("description") == "Validation Error":
                    answer["description"] = "Isian tidak valid / the input is not valid"
    schemas = doc.get("components", {}).get("schemas", {})
    for unused in ("HTTPValidationError", "ValidationError", "ResponseValidationError"):
        if f'"#/components/schemas/{unused}"' not in json.dumps(doc["paths"]):
            schemas.pop(unused, None)
    doc["paths"] = dict(sorted(doc.get("paths", {}).items()))
    doc["components"]["schemas"] = dict(sorted(schemas.items()))
    return doc


def reference_page(spec: str, assets: str = "/api") -> str:
    """The readable reference: Swagger UI as Powertools ships it, the document inline, its script and styles
    served locally (``asset``)."""
    from aws_lambda_powertools.event_handler.openapi.swagger_ui.html import generate_swagger_html

    return generate_swagger_html(spec, f"{assets}/swagger-ui-bundle.min.js", f"{assets}/swagger-ui.min.css",
                                 assets, None).replace("<title>Swagger UI</title>", "<title>Kabar API</title>")


def asset(name: str) -> bytes | None:
    """Swagger UI's script or styles from inside the Powertools package (never fetched from elsewhere)."""
    from aws_lambda_powertools.event_handler.openapi import swagger_ui

    if name not in ("swagger-ui-bundle.min.js", "swagger-ui.min.css"):
        return None
    return (Path(swagger_ui.__file__).parent / name).read_bytes()


def render(doc: dict[str, Any]) -> str:
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Write the JSON API's OpenAPI document made from the handlers.")
    parser.add_argument("--out", type=Path, default=DOCUMENT)
    parser.add_argument("--check", action="store_true", help="fail when the file differs from what the handlers make")
    args = parser.parse_args(argv)
    text = render(document())
    if args.check:
        same = args.out.is_file() and args.out.read_text(encoding="utf-8") == text
        print(f"{args.out}: {'up to date' if same else 'out of date: run make openapi'}")
        return 0 if same else 1
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text, encoding="utf-8")
    print(f"wrote {args.out} ({len(json.loads(text)['paths'])} paths)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
