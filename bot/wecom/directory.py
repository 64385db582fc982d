"""WeCom's address book as plain directory records (``department/list``, then ``user/list``
per department). The app needs address-book read access for the departments it should see
(WeCom admin console → the app → 可见范围, and 通讯录 API permission)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bot.wecom.client import WeComClient
from credit_domain.orgs.directory import DirectoryDepartment, DirectoryUser

ACTIVE_STATUSES = frozenset({1, 4})  # 1 activated, 4 not yet activated; 2 disabled, 5 left


def fetch_directory(client: WeComClient
                    ) -> tuple[list[DirectoryDepartment], list[DirectoryUser]]:
    listed = client.call("get", "department/list").get("department") or []
    departments = [
        DirectoryDepartment(external_id=str(d["id"]), name=str(d.get("name") or d["id"]),
                            parent_id=str(d["parentid"]) if d.get("parentid") else None)
        for d in listed]
    users: dict[str, DirectoryUser] = {}
    for d in departments:
        members = client.call("get", "user/list", params={"department_id": d.external_id})
        for raw in members.get("userlist") or []:
            user = _user(raw)
            if user.external_id not in users:
                users[user.external_id] = user
    return departments, list(users.values())


def _user(raw: Mapping[str, Any]) -> DirectoryUser:
    depts = tuple(str(x) for x in raw.get("department") or ())
    main = raw.get("main_department")
    if main is not None and str(main) in depts:
        depts = (str(main), *[x for x in depts if x != str(main)])
    status = raw.get("status")
    return DirectoryUser(
        external_id=str(raw["userid"]), name=str(raw.get("name") or raw["userid"]),
        departments=depts, email=(raw.get("email") or raw.get("biz_mail") or None),
        employee_no=None, active=status is None or int(status) in ACTIVE_STATUSES)
