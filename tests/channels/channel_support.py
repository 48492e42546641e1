"""Constants shared by the channel tests and their conftest (a module of its own: ``conftest`` is
not importable by name when several test folders have one)."""

PAGE_ID = "102030405060708"
PAGE_TOKEN = "EAAG-page-token-for-tests"
PAGE_NAME = "Kalurahan Purwobinangun"
REGION = "ap-southeast-3"
