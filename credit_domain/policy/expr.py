"""The safe expression language of policy conditions: CEL (Common Expression Language), as
implemented by the maintained ``cel-python`` library. No ``eval`` of a policy's text, no
home-made parser: the library parses a condition and turns its tree into Python functions.

Values from the domain are converted to CEL: Decimal → double, date/datetime → ISO string,
enums → string, a localizable Text → its English text. Conditions are compiled once, when
the policy is loaded, and their free variables checked against what the policy kind
provides.
"""

from __future__ import annotations

import datetime as dt
import enum
import logging
import math
import threading
from collections.abc import Mapping
from decimal import Decimal
from functools import cached_property
from typing import Any

import celpy
import celpy.evaluation
from celpy import celtypes
from celpy.adapter import json_to_cel
from celpy.celparser import CELParseError
from celpy.evaluation import CELEvalError
from pydantic import GetCoreSchemaHandler
from pydantic_core import core_schema

from credit_domain.i18n import Text

# The transpiling runner turns a condition into Python functions once, when it is compiled:
# 4-5 times faster per evaluation than the tree-walking interpreter (which spent 100-250 µs on
# a condition), with the library's own operators and errors. Literals reach the generated
# code through ``repr``, so a policy's text is never code. Two things it needs:
# - the parser must build the transpiler's tree nodes, and the library keeps one parser per
#   process, so this is the process's first (and only) Environment;
# - an evaluation passes its variables through the library module's globals, shared by every
#   program: evaluations take turns on ``_EVALUATING`` (they hold the interpreter anyway).
_ENV = celpy.Environment(runner_class=celpy.CompiledRunner)
_EVALUATING = threading.Lock()
# It also logs every evaluation error (a missing value, a division by zero) at ERROR before
# raising it; the caller gets it as an ExpressionError and reports it where it belongs.
logging.getLogger("celpy.Transpiler").setLevel(logging.CRITICAL)
_MACROS = frozenset({"has", "all", "exists", "exists_one", "map", "filter"})
KNOWN_FUNCTIONS = frozenset(
    name for name in celpy.evaluation.base_functions if name[0].isalpha()
) | _MACROS


class ExpressionError(ValueError):
    """A condition that does not compile, refers to unknown names, or fails to evaluate."""


def is_number(value: Any) -> bool:
    """Whether an expression gave a number (an int, or a Decimal for a fractional one)."""
    return isinstance(value, int | Decimal) and not isinstance(value, bool)


def to_cel(value: Any) -> Any:
    """A Python value as CEL sees it. CEL has no decimal type: a Decimal (money, a score)
    crosses as CEL's double, exact in value for the 15 significant digits amounts have, and
    a fractional result comes back as a Decimal (:func:`_from_cel`); the caller rounds it
    (money to the cent). Conditions compare the doubles."""
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, Decimal):
        return celtypes.DoubleType(value)
    if isinstance(value, enum.Enum):
        return to_cel(value.value)
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, Text):
        return value.render("en")
    if isinstance(value, Mapping):
        return {str(k): to_cel(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [to_cel(v) for v in value]
    return value


def _from_cel(value: Any) -> Any:
    if isinstance(value, celtypes.BoolType):
        return bool(value)
    if isinstance(value, bool):
        return value
    if isinstance(value, celtypes.IntType | celtypes.UintType):
        return int(value)
    if isinstance(value, float):  # a CEL double, or a float from one of our CEL functions
        # Rounded to 15 significant digits, all a double holds exactly: the arithmetic's
        # representation error goes, so 2,749,003.30 × 1.15 is 3,161,353.795 (a cent to round
        # half up) and not the double's 3,161,353.7949999996.
        return Decimal(format(value, ".15g")) if math.isfinite(value) else Decimal(repr(value))
    if isinstance(value, celtypes.StringType):
        return str(value)
    if isinstance(value, celtypes.ListType):
        return [_from_cel(v) for v in value]
    if isinstance(value, celtypes.MapType):
        return {_from_cel(k): _from_cel(v) for k, v in value.items()}
    return value


class Expression:
    """A compiled CEL condition or formula."""

    def __init__(self, source: str) -> None:
        self.source = str(source).strip()
        if not self.source:
            raise ExpressionError("empty expression")
        try:
            self._ast = _ENV.compile(self.source)
        except CELParseError as exc:
            raise ExpressionError(f"cannot parse {self.source!r}: {exc}") from None
        unknown = sorted(self.functions - KNOWN_FUNCTIONS)
        if unknown:
            raise ExpressionError(
                f"unknown function(s) {', '.join(unknown)} in {self.source!r}"
            )
        self._program = _ENV.program(self._ast)

    @cached_property
    def names(self) -> frozenset[str]:
        """The free variables the expression refers to (top-level identifiers), without the
        variables that macros bind (``r`` in ``reasons.exists(r, r == "x")``)."""
        idents = {str(node.children[0]) for node in self._ast.find_data("ident")}
        return frozenset(idents - self._macro_variables())

    def _macro_variables(self) -> set[str]:
        bound = set()
        for node in self._ast.find_data("member_dot_arg"):
            if str(node.children[1]) not in _MACROS or len(node.children) < 3:
                continue
            if not node.children[2].children:
                continue
            first = node.children[2].children[0]
            tokens = list(first.scan_values(lambda _v: True))
            if len(tokens) == 1 and any(first.find_data("ident")):
                bound.add(str(tokens[0]))
        return bound

    @cached_property
    def functions(self) -> frozenset[str]:
        """Functions and methods the expression calls."""
        called = set()
        for node in self._ast.iter_subtrees():
            if node.data == "ident_arg":
                called.add(str(node.children[0]))
            elif node.data == "member_dot_arg":
                called.add(str(node.children[1]))
        return frozenset(called)

    def check_names(self, allowed: set[str] | frozenset[str]) -> None:
        unknown = sorted(self.names - set(allowed))
        if unknown:
            raise ExpressionError(
                f"unknown name(s) {', '.join(unknown)} in {self.source!r}; "
                f"available: {', '.join(sorted(allowed))}"
            )

    def evaluate(self, context: Mapping[str, Any]) -> Any:
        # Only the names the expression uses cross into CEL (a context carries dozens).
        activation = {k: json_to_cel(to_cel(context[k])) for k in self.names if k in context}
        try:
            with _EVALUATING:
                result = self._program.evaluate(activation)
        except CELEvalError as exc:
            raise ExpressionError(f"cannot evaluate {self.source!r}: {exc.args[0]}") from None
        if isinstance(result, CELEvalError):
            raise ExpressionError(f"cannot evaluate {self.source!r}: {result.args[0]}")
        return _from_cel(result)

    def test(self, context: Mapping[str, Any]) -> bool:
        """Evaluate as a condition; anything but a boolean is an error, not a silent False."""
        result = self.evaluate(context)
        if not isinstance(result, bool):
            raise ExpressionError(f"{self.source!r} is not a condition (gave {result!r})")
        return result

    def __repr__(self) -> str:
        return f"Expression({self.source!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Expression) and other.source == self.source

    def __hash__(self) -> int:
        return hash(self.source)

    @classmethod
    def __get_pydantic_core_schema__(
        cls, _source: Any, _handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        def parse(value: Any) -> Expression:
            if isinstance(value, Expression):
                return value
            if isinstance(value, bool):
                value = "true" if value else "false"
            try:
                return Expression(str(value))
            except ExpressionError as exc:
                raise ValueError(str(exc)) from None

        return core_schema.no_info_plain_validator_function(
            parse, serialization=core_schema.plain_serializer_function_ser_schema(
                lambda e: e.source)
        )
