"""DingTalk's address book as plain directory records: departments breadth-first from the
root (``/topapi/v2/department/listsub``), then each department's members page by page
(``/topapi/v2/user/list``). Needs the app permissions 通讯录部门信息读权限 and 成员信息读权限."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bot.dingtalk.api import DingTalkApi
from credit_domain.orgs.directory import DirectoryDepartment, DirectoryUser

ROOT = 1
PAGE = 100


def fetch_directory(api: DingTalkApi
                    ) -> tuple[list[DirectoryDepartment], list[DirectoryUser]]:
    root = api.oapi("/topapi/v2/department/get", {"dept_id": ROOT}).get("result") or {}
    departments = [DirectoryDepartment(str(ROOT), str(root.get("name") or ROOT), None)]
    queue = [ROOT]
    while queue:
        parent = queue.pop(0)
        for d in api.oapi("/topapi/v2/department/listsub", {"dept_id": parent}).get(
                "result") or []:
            departments.append(DirectoryDepartment(str(d["dept_id"]), str(d.get("name") or ""),
                                                   str(parent)))
            queue.append(int(d["dept_id"]))
    users: dict[str, DirectoryUser] = {}
    for dept in departments:
        cursor: int | None = 0
        while cursor is not None:
            page = api.oapi("/topapi/v2/user/list", {"dept_id": int(dept.external_id),
                                                     "cursor": cursor, "size": PAGE})
            result = page.get("result") or {}
            for raw in result.get("list") or []:
                user = _user(raw)
                users.setdefault(user.external_id, user)
            cursor = int(result["next_cursor"]) if result.get("has_more") else None
    return departments, list(users.values())


def _user(raw: Mapping[str, Any]) -> DirectoryUser:
    return DirectoryUser(
        external_id=str(raw["userid"]), name=str(raw.get("name") or raw["userid"]),
        departments=tuple(str(d) for d in raw.get("dept_id_list") or ()),
        union_id=raw.get("unionid") or None, email=raw.get("email") or raw.get("org_email")
        or None, employee_no=raw.get("job_number") or None,
        active=bool(raw.get("active", True)))
