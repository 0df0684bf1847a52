"""Organisations from the table a community keeps (实有单位台账导入): one row per shop, enterprise, school ….

Columns (Chinese headers as communities write them, or the English names): 单位名称 name, 类型 kind (商铺、
企业、学校 … or the codes shop, enterprise, school …), 统一社会信用代码 credit_code (checked, GB 32100),
地址 address, 负责人 contact_name, 联系电话 phone, and optionally 网格 grid (a grid code), 经度/纬度 lon/lat
(WGS-84). Placed by the point, else the grid code, else the address as written (placement.address_by_text:
a registered address of that text or the 小区 it starts with). An organisation is matched by its credit code
(updated), else by its name at the same address, else added.

All or nothing, as the residents' import: every row is checked and written in one transaction, each in a
savepoint; the problems are raised together as RowErrors, which rolls every write back.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from django.db import transaction
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from gridgov.core import audit
from gridgov.core.admin_io import Column, read_table
from gridgov.core.errors import BadInput, GridgovError
from gridgov.core.rows import RowError, RowErrors, duplicates, row_number, text
from gridgov.people.actors import Actor
from gridgov.registry import services
from gridgov.registry.imports import _number
from gridgov.registry.models import Organisation, OrganisationKind
from gridgov.registry.placement import address_by_text
from gridgov.registry.uscc import normalise_credit_code

COLUMNS = (
    Column("name", _("organisation name"), aliases=("单位名称", "名称", "店名"), required=True),
    Column("kind", _("kind"), aliases=("类型", "单位类型"), required=True),
    Column("credit_code", _("unified social credit code"), aliases=("统一社会信用代码", "信用代码")),
    Column("address", _("address"), aliases=("地址", "单位地址")),
    Column("contact_name", _("contact person"), aliases=("负责人", "联系人")),
    Column("phone", pgettext_lazy("registry", "phone"), aliases=("联系电话", "电话", "手机号")),
    Column("grid", _("grid code"), aliases=("网格", "网格编码")),
    Column("lon", _("longitude"), aliases=("经度",)),
    Column("lat", _("latitude"), aliases=("纬度",)),
)
# the words communities write in the 类型 column, beside the codes themselves
KIND_WORDS = {
    **{code: code for code in OrganisationKind.values},
    **dict.fromkeys(("商铺", "商店", "店铺", "门店", "沿街商铺", "个体工商户", "个体户"), "shop"),
    **dict.fromkeys(("企业", "公司", "工厂"), "enterprise"),
    **dict.fromkeys(("学校", "幼儿园", "培训机构"), "school"),
    **dict.fromkeys(("医院", "诊所", "卫生室", "药店", "医疗"), "medical"),
    **dict.fromkeys(("机关", "事业单位", "机关事业单位"), "public"),
    **dict.fromkeys(("社会组织", "协会", "社团"), "social"),
    **dict.fromkeys(("其他", "其它"), "other"),
}


def read_file(data: bytes, filename: str) -> list[dict[str, Any]]:
    """An .xlsx (or .csv) file as rows; RowErrors for an unreadable file or wrong headers."""
    return read_table(data, filename, COLUMNS)


def kind_of(word: str) -> str:
    kind = KIND_WORDS.get(word.strip().lower()) or KIND_WORDS.get(word.strip())
    if kind is None:
        raise BadInput(
            gettext("unknown organisation kind %(kind)s: write one of %(known)s")
            % {"kind": word, "known": "、".join(("商铺", "企业", "学校", "医疗", "机关", "社会组织", "其他"))}
        )
    return kind


def _check_duplicates(rows: Sequence[Mapping[str, Any]]) -> list[RowError]:
    keyed = []
    for index, row in enumerate(rows):
        try:
            code = normalise_credit_code(text(row.get("credit_code")))
        except GridgovError:
            continue  # the row reports its own error
        if code:
            keyed.append((row_number(row, index), code))
    return [
        RowError(number, "credit_code", gettext("the same credit code as row %(row)d") % {"row": first})
        for number, first in duplicates(keyed).items()
    ]


def _existing(code: str, name: str, address_text: str) -> Organisation | None:
    """By its credit code; else (no code, or one collected only now) by its name at the same address."""
    active = Organisation.objects.filter(active=True)
    found = active.filter(credit_code=code).first() if code else None
    return found or active.filter(name=name, address_text=address_text, credit_code="").first()


def _write_row(actor: Actor, row: Mapping[str, Any]) -> tuple[Organisation, bool]:
    grid_code, written = text(row.get("grid")), text(row.get("address"))
    lon, lat = _number(row.get("lon"), gettext("longitude")), _number(row.get("lat"), gettext("latitude"))
    address = address_by_text(written, grid_code=grid_code) if written else None
    if lon is None and lat is None and not grid_code and address is None:
        raise BadInput(
            gettext("the address %(address)s is not registered: give a grid code or a point to place it")
            % {"address": written or "—"}
        )
    code, name = normalise_credit_code(text(row.get("credit_code"))), text(row.get("name"))
    existing = _existing(code, name, written)
    org = services.record_organisation(
        actor=actor,
        kind=kind_of(text(row.get("kind"))),
        name=name,
        address=address,
        address_text=written,
        lon=lon,
        lat=lat,
        grid_code=grid_code,
        contact_name=text(row.get("contact_name")),
        contact_phone=text(row.get("phone")),
        credit_code=code,
        organisation=existing,
        audited=False,
    )
    return org, existing is not None


@transaction.atomic
def import_organisations(
    *, rows: Sequence[Mapping[str, Any]], actor, source: str = "", check: bool = False
) -> dict[str, int]:
    """Write every row or none (see the module docstring); counts of organisations created and updated.
    `check`: run it all, then roll it back (a dry run)."""
    actor = actor if isinstance(actor, Actor) else Actor.of(actor)
    errors = _check_duplicates(rows)
    counts = {"created": 0, "updated": 0}
    written: list[int] = []
    for index, row in enumerate(rows):
        number = row_number(row, index)
        blank = [field for field in ("name", "kind") if not text(row.get(field))]
        errors += [RowError(number, field, gettext("this cell must not be blank")) for field in blank]
        if blank:
            continue
        try:
            with transaction.atomic():  # a refused row leaves nothing half-written
                org, updated = _write_row(actor, row)
        except GridgovError as exc:
            errors.append(RowError(number, "", exc.message))
            continue
        counts["updated" if updated else "created"] += 1
        written.append(org.pk)
    if errors:
        raise RowErrors(sorted(errors, key=lambda e: e.row))
    audit.record(
        actor=actor.user,
        action="registry.import",
        object_type="organisation",
        data={"source": source[:200], **counts, "organisations": written, "as": actor.label},
    )
    if check:
        transaction.set_rollback(True)
    return counts
