"""Constants shared by the channel tests and their conftest (a module of its own: ``conftest`` is
not importable by name when several test folders have one)."""

PAGE_ID = "102030405060708"
PAGE_TOKEN = "EAAG-page-token-for-tests"
PAGE_NAME = "Kalurahan Purwobinangun"
REGION = "ap-southeast-3"


class Died(BaseException):  # noqa: N818 - the process ends there: no handler sees it
    """The function's process was killed at one Graph call."""


def dies_at(channel, edge: str, *, before: bool = False, method: str | None = None):  # noqa: ANN001, ANN201
    """``channel`` (a Graph adapter) whose process dies at its first call to ``edge`` (``method`` only, if
    given): once Meta acted on it, or (``before``) just before the call is made."""
    original = channel._call
    fired: list[str] = []

    def call(verb, path, **kwargs):  # noqa: ANN001, ANN003, ANN202
        if not fired and path.endswith(edge) and (method is None or verb == method):
            fired.append(path)
            if not before:
                original(verb, path, **kwargs)
            raise Died(path)
        return original(verb, path, **kwargs)

    channel._call = call
    return channel
