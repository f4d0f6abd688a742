"""classification-tag-required: every taggable resource says how sensitive its data is."""

from __future__ import annotations

from pulumi_policy import (
    EnforcementLevel,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
)

from policies import config
from policies.levels import KNOWN_LEVELS
from policies.props import UNKNOWN, plain, tag_values, tags
from policies.tokens import TAGGABLE
from stacks import tags as tag

NAME = "classification-tag-required"


def validate(args: ResourceValidationArgs, report: ReportViolation) -> None:
    if args.resource_type not in TAGGABLE:
        return
    levels = config.str_list(args.get_config(), NAME, "levels", KNOWN_LEVELS)
    props = plain(args.props)
    if props.get("tags") is UNKNOWN:
        return  # computed during preview; checked again on update
    found = tag_values(tags(props), tag.CLASSIFICATION)
    if not found:
        report(f"no '{tag.CLASSIFICATION}:<level>' tag; levels: {', '.join(levels)}", None)
        return
    unknown = [level for level in found if level not in levels]
    if unknown:
        report(f"unknown classification {', '.join(map(repr, unknown))}; levels: {', '.join(levels)}", None)
    elif len(set(found)) > 1:
        report(f"more than one classification: {', '.join(found)}", None)


POLICY = ResourceValidationPolicy(
    name=NAME,
    description="Every taggable resource carries a classification tag with a known level.",
    validate=validate,
    enforcement_level=EnforcementLevel.MANDATORY,
    config_schema=config.schema(
        {
            "levels": config.str_list_property(KNOWN_LEVELS, "The known classification levels."),
        }
    ),
    remediation_steps=(
        "Tag the resource 'classification:<level>' with its tenant's level (general, important or core); "
        "the Tenant component should pass its classification tag to every child that takes tags."
    ),
)
