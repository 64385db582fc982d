"""Organisation: who works where, in which role, and under which chat identities."""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import Boolean, Date, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from credit_domain.db.base import Base
from credit_domain.db.types import UTCDateTime


class Role(enum.StrEnum):
    """Roles a person holds in one business unit."""

    SALESPERSON = "salesperson"
    SALES_MANAGER = "sales_manager"  # a team
    REGION_DIRECTOR = "region_director"  # a region
    FINANCE_MANAGER = "finance_manager"
    RISK_DIRECTOR = "risk_director"
    GENERAL_MANAGER = "general_manager"
    CREDIT_ADMIN = "credit_admin"
    AUDITOR = "auditor"


class Platform(enum.StrEnum):
    SLACK = "slack"
    WECOM = "wecom"
    DINGTALK = "dingtalk"
    EMULATOR = "emulator"
    CLI = "cli"


class BusinessUnit(Base):
    """An isolated credit system (事业部 / 产品线): its own limits, policies, people and data."""

    __tablename__ = "business_units"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str | None] = mapped_column(String(200))
    currency: Mapped[str] = mapped_column(String(3), default="CNY")
    timezone: Mapped[str] = mapped_column(String(64), default="Asia/Shanghai")
    calendar: Mapped[str] = mapped_column(String(16), default="CN")  # "CN" or "weekdays"
    locale: Mapped[str] = mapped_column(String(8), default="zh_CN")

    regions: Mapped[list[Region]] = relationship(back_populates="business_unit")
    teams: Mapped[list[Team]] = relationship(back_populates="business_unit")

    def display_name(self, locale: str | None) -> str:
        if locale and not locale.startswith("zh") and self.name_en:
            return self.name_en
        return self.name


class Region(Base):
    __tablename__ = "regions"
    __table_args__ = (UniqueConstraint("business_unit_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    business_unit_id: Mapped[int] = mapped_column(ForeignKey("business_units.id"), index=True)
    code: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(200))

    business_unit: Mapped[BusinessUnit] = relationship(back_populates="regions")


class Team(Base):
    __tablename__ = "teams"
    __table_args__ = (UniqueConstraint("business_unit_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    business_unit_id: Mapped[int] = mapped_column(ForeignKey("business_units.id"), index=True)
    region_id: Mapped[int | None] = mapped_column(ForeignKey("regions.id"), index=True)
    code: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    # Platform departments synced into this team (e.g. "wecom:12", "dingtalk:345").
    external_ref: Mapped[str | None] = mapped_column(String(128), index=True)

    business_unit: Mapped[BusinessUnit] = relationship(back_populates="teams")
    region: Mapped[Region | None] = relationship()


class Person(Base):
    """Someone who works with creditbot; reachable through one or more platform identities."""

    __tablename__ = "people"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(320), unique=True)
    employee_no: Mapped[str | None] = mapped_column(String(64), unique=True)
    locale: Mapped[str | None] = mapped_column(String(8))  # None: the platform's default
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    roles: Mapped[list[RoleAssignment]] = relationship(
        back_populates="person", cascade="all, delete-orphan"
    )
    identities: Mapped[list[PlatformIdentity]] = relationship(
        back_populates="person", cascade="all, delete-orphan"
    )


class RoleAssignment(Base):
    """A role of a person in a business unit; a team or region narrows a manager's scope
    and places a salesperson."""

    __tablename__ = "role_assignments"
    __table_args__ = (
        UniqueConstraint("person_id", "business_unit_id", "role", "team_id", "region_id"),
        Index("ix_role_assignments_bu_role", "business_unit_id", "role"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    business_unit_id: Mapped[int] = mapped_column(ForeignKey("business_units.id"))
    role: Mapped[Role] = mapped_column(String(32))
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id"))
    region_id: Mapped[int | None] = mapped_column(ForeignKey("regions.id"))

    person: Mapped[Person] = relationship(back_populates="roles")
    business_unit: Mapped[BusinessUnit] = relationship()
    team: Mapped[Team | None] = relationship()
    region: Mapped[Region | None] = relationship()


class PlatformIdentity(Base):
    """One account of a person on one platform (tenant = Slack team / WeCom corp / DingTalk
    corp; empty when the deployment has one)."""

    __tablename__ = "platform_identities"
    __table_args__ = (UniqueConstraint("platform", "tenant", "external_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    platform: Mapped[Platform] = mapped_column(String(16))
    tenant: Mapped[str] = mapped_column(String(64), default="")
    external_id: Mapped[str] = mapped_column(String(128))
    union_id: Mapped[str | None] = mapped_column(String(128), index=True)  # DingTalk unionid
    display_name: Mapped[str | None] = mapped_column(String(200))

    person: Mapped[Person] = relationship(back_populates="identities")


class CalendarDay(Base):
    """A day a business calendar counts differently from its rules: a public holiday (休) or a
    make-up workday (调休 班) the State Council announced, or a company's own closure. Entered
    by a credit administrator; it takes precedence over the ``chinesecalendar`` package, and
    covers the years that package has no data for yet."""

    __tablename__ = "calendar_days"
    __table_args__ = (UniqueConstraint("calendar", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    calendar: Mapped[str] = mapped_column(String(16))  # a BusinessUnit.calendar: CN, weekdays
    day: Mapped[dt.date] = mapped_column(Date)
    working: Mapped[bool] = mapped_column(Boolean)  # False: a day off; True: a workday
    name: Mapped[str] = mapped_column(String(100))  # 春节, 国庆节调休, …
    set_by: Mapped[str] = mapped_column(String(200))
    set_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
