"""Formulas from the catalogue, parsed once into a small safe tree and evaluated over vectors.

Only numbers, metric names, `months`, + - * / and parentheses are allowed; the text is
parsed with Python's `ast` module but never executed. Evaluation works on NumPy arrays
(one element per partner), and "no value" is NaN: a missing input or a division by
zero gives NaN, never 0.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from typing import Union

import numpy as np
from numpy.typing import NDArray

Vector = NDArray[np.float64]

_OPERATORS = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/"}


class FormulaError(ValueError):
    """A formula that cannot be used; the message names what is wrong (German)."""


@dataclass(frozen=True)
class Number:
    value: float


@dataclass(frozen=True)
class Name:
    key: str


@dataclass(frozen=True)
class Negate:
    operand: Node


@dataclass(frozen=True)
class Binary:
    operator: str
    left: Node
    right: Node


Node = Union[Number, Name, Negate, Binary]  # noqa: UP007 (a runtime alias for the recursive tree)


@dataclass(frozen=True)
class Formula:
    text: str
    tree: Node
    names: frozenset[str]


def parse(text: str) -> Formula:
    try:
        expression = ast.parse(text.strip(), mode="eval").body
    except SyntaxError as exc:
        raise FormulaError(f"Formel „{text}“ ist nicht lesbar: {exc.msg}") from exc
    tree = _convert(expression, text)
    return Formula(text, tree, frozenset(_names(tree)))


def _convert(node: ast.expr, text: str) -> Node:
    if isinstance(node, ast.Constant) and isinstance(node.value, int | float) and not isinstance(node.value, bool):
        return Number(float(node.value))
    if isinstance(node, ast.Name):
        return Name(node.id)
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        return Negate(_convert(node.operand, text))
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.UAdd):
        return _convert(node.operand, text)
    if isinstance(node, ast.BinOp) and type(node.op) in _OPERATORS:
        return Binary(_OPERATORS[type(node.op)], _convert(node.left, text), _convert(node.right, text))
    raise FormulaError(f"Formel „{text}“: nur Zahlen, Kennzahlen, + - * / und Klammern sind erlaubt.")


def _names(node: Node) -> list[str]:
    if isinstance(node, Name):
        return [node.key]
    if isinstance(node, Negate):
        return _names(node.operand)
    if isinstance(node, Binary):
        return _names(node.left) + _names(node.right)
    return []


def evaluate(formula: Formula, env: dict[str, Vector | float]) -> Vector:
    """The formula over whole vectors at once; names missing from `env` count as no value."""
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        return np.asarray(_eval(formula.tree, env), dtype=np.float64)


def _eval(node: Node, env: dict[str, Vector | float]) -> Vector | float:
    if isinstance(node, Number):
        return node.value
    if isinstance(node, Name):
        return env.get(node.key, np.nan)
    if isinstance(node, Negate):
        return -_eval(node.operand, env)
    left, right = _eval(node.left, env), _eval(node.right, env)
    if node.operator == "+":
        return left + right
    if node.operator == "-":
        return left - right
    if node.operator == "*":
        return left * right
    quotient = np.divide(left, right)
    # x / 0 is no value, not infinity (and 0 / 0 is NaN already).
    return np.where(np.asarray(right) == 0, np.nan, quotient)


def additive_terms(formula: Formula) -> list[tuple[int, str]] | None:
    """`a + b - c` as [(1, a), (1, b), (-1, c)]; None when the formula is not a plain sum of metrics."""
    terms: list[tuple[int, str]] = []

    def walk(node: Node, sign: int) -> bool:
        if isinstance(node, Name):
            terms.append((sign, node.key))
            return True
        if isinstance(node, Negate):
            return walk(node.operand, -sign)
        if isinstance(node, Binary) and node.operator in "+-":
            return walk(node.left, sign) and walk(node.right, sign if node.operator == "+" else -sign)
        return False

    return terms if walk(formula.tree, 1) else None
