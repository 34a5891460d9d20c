"""A safe YAML loader fit for sweep configs.

PyYAML implements YAML 1.1, where ``1e-5`` (no dot) is a *string*: a classic source of
``min: '1e-5'`` surprises in W&B configs. This loader reads floats the YAML 1.2 way and refuses
duplicate keys (YAML silently keeps the last one, dropping the user's first value). Booleans stay
YAML 1.1 (``yes``/``no``/``on``/``off``), as in W&B, so existing configs mean the same thing.
"""

from __future__ import annotations

import re
from typing import Any

import yaml

from sweeplab.errors import ConfigError, Violation

# YAML 1.2 core schema float, plus the 1.1 forms PyYAML already accepts.
_FLOAT_PATTERN = re.compile(
    r"""^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+]?[0-9]+)?
        |[-+]?(?:[0-9][0-9_]*)(?:[eE][-+]?[0-9]+)
        |\.[0-9_]+(?:[eE][-+]?[0-9]+)?
        |[-+]?\.(?:inf|Inf|INF)
        |\.(?:nan|NaN|NAN))$""",
    re.VERBOSE,
)


class SweepYamlLoader(yaml.SafeLoader):
    """SafeLoader with YAML 1.2 floats and an error on duplicate mapping keys."""


# Copy the resolver table so the change stays local to this loader.
SweepYamlLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:float"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
SweepYamlLoader.add_implicit_resolver(
    "tag:yaml.org,2002:float", _FLOAT_PATTERN, list("-+0123456789.")
)


def _construct_mapping_without_duplicates(
    loader: SweepYamlLoader, node: yaml.MappingNode
) -> dict[Any, Any]:
    loader.flatten_mapping(node)
    seen: dict[Any, yaml.Node] = {}
    for key_node, _value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if key in seen:
            first_line = seen[key].start_mark.line + 1
            line = key_node.start_mark.line + 1
            raise yaml.constructor.ConstructorError(
                None,
                None,
                f"duplicate key {key!r} (first on line {first_line}, again on line {line}); "
                "YAML would silently keep only the last value: remove one of them",
                key_node.start_mark,
            )
        seen[key] = key_node
    return loader.construct_mapping(node, deep=True)


SweepYamlLoader.add_constructor(
    yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping_without_duplicates
)


def parse_yaml(text: str, origin: str = "<yaml>") -> Any:
    """Parse YAML text with :class:`SweepYamlLoader`; a syntax error becomes a ConfigError."""
    try:
        return yaml.load(text, Loader=SweepYamlLoader)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark
        where = f"{origin}, line {mark.line + 1}, column {mark.column + 1}" if mark else origin
        problem = error.problem or str(error)
        raise ConfigError([Violation("", f"cannot parse YAML ({where}): {problem}")]) from error
    except yaml.YAMLError as error:
        raise ConfigError([Violation("", f"cannot parse YAML ({origin}): {error}")]) from error
