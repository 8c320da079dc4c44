"""The slice of the Tag service (version 2018-08-13) that certificates use.

Tags set at upload (``UploadCertificate.Tags``) and through the Tag service are the same data. Resource names
are six-segment: ``qcs::ssl:<region>:uin/<OwnerUin>:certificate/<id>``; Terraform leaves the uin empty
(``uin/:certificate/<id>``), which is accepted too.
"""

from __future__ import annotations

import hashlib
import re
from typing import Any

from emulator.context import TAG, Context, action
from emulator.errors import ApiError
from emulator.params import Int, List, Obj, Str

__all__ = ["ACTIONS", "normalise_tags"]

_RESOURCE = re.compile(
    r"^qcs::(?P<service>[a-z]+):(?P<region>[a-z0-9-]*):uin/(?P<uin>\d*):(?P<prefix>[a-z]+)/(?P<id>.+)$"
)
_MAX_TAGS = 50
_MAX_TAGS_PER_REQUEST = 10
_RESERVED_PREFIXES = ("qcloud:", "tencent:", "project")


def _check_key(key: str) -> None:
    if not 1 <= len(key) <= 127:
        raise ApiError("InvalidParameterValue.TagKeyLengthExceeded", f"Tag key `{key}` must be 1 to 127 characters.")
    if key.lower().startswith(_RESERVED_PREFIXES):
        raise ApiError("InvalidParameterValue.ReservedTagKey", f"Tag key `{key}` uses a reserved prefix.")


def normalise_tags(pairs: list[dict[str, Any]]) -> dict[str, str]:
    """``[{"TagKey", "TagValue"}]`` -> ``{key: value}``, checked like the Tag service checks it."""
    tags: dict[str, str] = {}
    for pair in pairs:
        key, value = pair["TagKey"], pair.get("TagValue", "")
        _check_key(key)
        if len(value) > 255:
            raise ApiError("InvalidParameterValue.TagValueLengthExceeded", f"The value of tag `{key}` is too long.")
        if key in tags:
            raise ApiError("InvalidParameterValue.TagKeyDuplicate", f"Tag key `{key}` appears more than once.")
        tags[key] = value
    if len(tags) > _MAX_TAGS:
        raise ApiError("LimitExceeded.ResourceAttachedTags", f"A resource can have at most {_MAX_TAGS} tags.")
    return tags


def _certificate_id(ctx: Context, resource: str) -> str:
    match = _RESOURCE.match(resource)
    if match is None or match["service"] != "ssl" or match["prefix"] != "certificate":
        raise ApiError(
            "InvalidParameterValue.ResourceDescriptionError",
            f"The resource description `{resource}` is invalid; expected qcs::ssl:<region>:uin/<uin>:certificate/<id>.",
        )
    if match["uin"] and match["uin"] != ctx.owner_uin:
        raise ApiError("InvalidParameterValue.UinInvalid", f"The uin in `{resource}` is not the caller's.")
    if ctx.store.get_cert(match["id"]) is None:
        raise ApiError("ResourceNotFound", f"The resource `{resource}` does not exist.")
    return match["id"]


# The Tag SDK model's ``Tag`` (tencentcloud-sdk-python-tag): ``Category`` is Custom, System or All. Every tag set
# here is a custom tag whatever it says, as the emulator knows no system tags; it is accepted so that a request the
# SDK documents is never an UnknownParameter.
_TAG_WITH_CATEGORY = Obj(
    {"TagKey": Str(required=True), "TagValue": Str(), "Category": Str(choices=("Custom", "System", "All"))}
)


def _tag_page(ctx: Context, name: str) -> list[dict[str, Any]]:
    """``ReplaceTags``/``DeleteTags``: absent is fine, an empty array is not, at most 10 per call (the SDK's docs)."""
    if name not in ctx.params:
        return []
    items: list[dict[str, Any]] = ctx.params[name]
    if not items:
        raise ApiError("InvalidParameter", f"{name} may be omitted but cannot be an empty array.")
    if len(items) > _MAX_TAGS_PER_REQUEST:
        raise ApiError(
            "LimitExceeded.TagNumPerRequest",
            f"{name} holds {len(items)} tags; at most {_MAX_TAGS_PER_REQUEST} are allowed per request.",
        )
    return items


@action(
    TAG,
    "ModifyResourceTags",
    {
        "Resource": Str(required=True),
        "ReplaceTags": List(_TAG_WITH_CATEGORY),
        "DeleteTags": List(Obj({"TagKey": Str(required=True)})),
    },
)
def modify_resource_tags(ctx: Context) -> dict[str, Any]:
    """Add or overwrite ``ReplaceTags`` and remove ``DeleteTags`` on one certificate."""
    replace = normalise_tags(_tag_page(ctx, "ReplaceTags"))
    delete = [item["TagKey"] for item in _tag_page(ctx, "DeleteTags")]
    if not replace and not delete:
        raise ApiError("InvalidParameter", "ReplaceTags and DeleteTags cannot both be empty.")
    both = set(replace) & set(delete)
    if both:
        raise ApiError(
            "InvalidParameterValue.DeleteTagsParamError",
            f"Tag key(s) {', '.join(sorted(both))} appear in both ReplaceTags and DeleteTags.",
        )
    cert_id = _certificate_id(ctx, ctx.params["Resource"])
    current = ctx.store.tags(cert_id)
    if len((set(current) | set(replace)) - set(delete)) > _MAX_TAGS:
        raise ApiError("LimitExceeded.ResourceAttachedTags", f"A resource can have at most {_MAX_TAGS} tags.")
    ctx.store.set_tags(cert_id, replace, delete)
    return {}


def _md5(text: str) -> str:
    return hashlib.md5(text.encode()).hexdigest()  # noqa: S324 - Tencent's field is an MD5 by definition


@action(
    TAG,
    "DescribeResourceTagsByResourceIds",
    {
        "ServiceType": Str(required=True),
        "ResourcePrefix": Str(required=True),
        "ResourceIds": List(Str(), required=True, max_items=50),
        "ResourceRegion": Str(required=True),
        "Offset": Int(minimum=0),
        "Limit": Int(minimum=1, maximum=100),
        "Category": Str(choices=("Custom", "System", "All")),
    },
)
def describe_resource_tags_by_resource_ids(ctx: Context) -> dict[str, Any]:
    """Tags of the given certificates as flat ``{ResourceId, TagKey, TagValue}`` rows, paged."""
    p = ctx.params
    offset, limit = p.get("Offset", 0), p.get("Limit", 15)
    if offset % limit:
        raise ApiError("InvalidParameterValue.OffsetInvalid", "Offset must be a multiple of Limit.")
    rows: list[dict[str, Any]] = []
    if p["ServiceType"] == "ssl" and p["ResourcePrefix"] == "certificate" and p.get("Category", "All") != "System":
        for cert_id in dict.fromkeys(p["ResourceIds"]):
            for key, value in ctx.store.tags(cert_id).items():
                rows.append(
                    {
                        "TagKey": key,
                        "TagValue": value,
                        "ResourceId": cert_id,
                        "TagKeyMd5": _md5(key),
                        "TagValueMd5": _md5(value),
                        "ServiceType": "ssl",
                        "Category": "Custom",
                    }
                )
    return {"TotalCount": len(rows), "Offset": offset, "Limit": limit, "Tags": rows[offset : offset + limit]}


_MAX_RESOURCES_PER_REQUEST = 10  # UnTagResources.ResourceList: "N取值范围：0~9" (the SDK model)


@action(TAG, "UnTagResources", {"ResourceList": List(Str(), required=True), "TagKeys": List(Str(), required=True)})
def untag_resources(ctx: Context) -> dict[str, Any]:
    """Remove ``TagKeys`` from up to 10 certificates; a resource that cannot be changed is listed, not raised.

    A key a resource does not carry is no failure: removing it again (a retried call) leaves the same tags.
    """
    resources, keys = ctx.params["ResourceList"], ctx.params["TagKeys"]
    if not resources or len(resources) > _MAX_RESOURCES_PER_REQUEST:
        raise ApiError(
            "LimitExceeded.ResourceNumPerRequest",
            f"ResourceList holds {len(resources)} resources; 1 to {_MAX_RESOURCES_PER_REQUEST} are allowed.",
        )
    if not keys or len(keys) > _MAX_TAGS_PER_REQUEST:
        raise ApiError(
            "LimitExceeded.TagNumPerRequest",
            f"TagKeys holds {len(keys)} keys; 1 to {_MAX_TAGS_PER_REQUEST} are allowed per request.",
        )
    failed: list[dict[str, str]] = []
    for resource in dict.fromkeys(resources):
        try:
            cert_id = _certificate_id(ctx, resource)
        except ApiError as error:
            if error.code == "InvalidParameterValue.ResourceDescriptionError":
                raise
            failed.append({"Resource": resource, "Code": error.code, "Message": error.message})
            continue
        ctx.store.set_tags(cert_id, {}, list(keys))
    return {"FailedResources": failed}


ACTIONS = [modify_resource_tags, describe_resource_tags_by_resource_ids, untag_resources]
