"""The stack file: the single, validated source of truth for a unified government cloud.

Read one with :func:`load_stack`; everything downstream works on the frozen :class:`StackSpec`.
"""

from stacks.load import LoadedStack, load_stack, parse_stack
from stacks.problem import Problem, Severity, SpecError
from stacks.spec import StackSpec

__all__ = ["LoadedStack", "Problem", "Severity", "SpecError", "StackSpec", "load_stack", "parse_stack"]
