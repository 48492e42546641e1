"""Issue 10: the JSON API is described by an OpenAPI 3 document made from the handlers; the checked-in
copy (docs/openapi.json) is what the handlers make now, and the local stack serves it."""

import json

import pytest
import requests

from kabar_local import openapi
from kabar_local.template import load_model

pytestmark = pytest.mark.xdist_group("openapi")


@pytest.fixture(scope="module")
def made():
    return openapi.document()


def test_the_checked_in_document_is_what_the_handlers_make(made):
    assert openapi.DOCUMENT.read_text(encoding="utf-8") == openapi.render(made), "run: make openapi"


def test_every_documented_operation_is_a_route_of_the_template(made):
    model = load_model(openapi.ROOT / "template.yaml", {"Stage": "local", "MailFrom": "k@kabar.desa.id"})
    routes = {(ev.method.upper(), ev.path.count("/"), ev.path.split("{")[0])
              for f in model.functions for ev in f.events if type(ev).__name__ == "HttpApiEvent"}
    for path, item in made["paths"].items():
        for method in item:
            assert (method.upper(), path.count("/"), path.split("{")[0]) in routes, (method, path)


def test_the_json_api_is_typed_and_errors_have_one_shape(made):
    post = made["paths"]["/submissions"]["post"]
    assert post["requestBody"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/SubmissionRequest"}
    assert post["responses"]["201"]["content"]["application/json"]["schema"]["$ref"].endswith("SubmissionCreated")
    assert post["security"] == [{"bearer": []}]
    text = json.dumps(made)
    assert "HTTPValidationError" not in text  # Powertools' 422 shape is never answered: Kabar's is
    for item in made["paths"].values():
        for operation in item.values():
            for status, answer in operation["responses"].items():
                if int(status) >= 400 and "application/json" in answer.get("content", {}):
                    assert answer["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/ErrorBody"}


def test_the_local_stack_serves_the_document_and_its_reference_page(made):
    from kabar_local.stack import LocalStack

    with LocalStack(seed_villages=False, env={"POWERTOOLS_LOG_LEVEL": "WARNING"}) as stack:
        served = requests.get(f"{stack.base_url}/openapi.json", timeout=30)
        assert served.status_code == 200 and served.json() == made
        page = requests.get(f"{stack.base_url}/api/", timeout=30)
        assert page.status_code == 200 and "Kabar API" in page.text and "/submissions/{submission_id}" in page.text
        assert requests.get(f"{stack.base_url}/api/?format=json", timeout=30).json() == made
        script = requests.get(f"{stack.base_url}/api/swagger-ui-bundle.min.js", timeout=30)
        assert script.status_code == 200 and len(script.content) > 100_000
        assert requests.get(f"{stack.base_url}/api/../../etc/passwd", timeout=30).status_code == 404
