"""Validate xAPI statements against Ralph's own models. Run with the Python of Ralph's
venv; reads a JSON list of statements on stdin, prints a JSON list of errors (one
string per invalid statement, [] if all are valid)."""

import json
import sys

from pydantic import ValidationError
from ralph.models.xapi.base.statements import BaseXapiStatement

errors = []
for statement in json.load(sys.stdin):
    try:
        BaseXapiStatement.model_validate(statement)
    except ValidationError as error:
        errors.append(f"{statement.get('id')}: {error}")
json.dump(errors, sys.stdout)
