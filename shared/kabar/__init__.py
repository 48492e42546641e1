"""Kabar: the content SOP of an Indonesian village government as event-driven functions.

Layers (dependencies point one way): ``functions/*/app.py`` -> ``kabar.usecases`` ->
``kabar.domain``; ``kabar.adapters`` implement the ports in ``kabar.ports``. The domain never
imports boto3.
"""

__version__ = "0.1.0"
