"""Organizations (maker spaces, incubators, university parks, alliances) and memberships."""

from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from eventhub.accounts.models import NAME_MAX, User
from eventhub.database import Base, UTCDateTime, utcnow


class OrgKind(enum.StrEnum):
    maker_space = "maker_space"
    incubator = "incubator"
    university_park = "university_park"
    alliance = "alliance"
    other = "other"


class Role(enum.StrEnum):
    owner = "owner"
    organizer = "organizer"
    staff = "staff"
    #: A sponsor (科技局, 团委, a university) who reads the organization's figures, reports and
    #: dashboards and never personal data: no registration lists, names, phones or answers.
    viewer = "viewer"


class Organization(Base):
    __tablename__ = "organizations"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(NAME_MAX), unique=True)
    slug: Mapped[str] = mapped_column(sa.String(NAME_MAX), unique=True)
    kind: Mapped[OrgKind] = mapped_column(
        sa.Enum(OrgKind, native_enum=False, length=32), default=OrgKind.other
    )
    description: Mapped[str] = mapped_column(sa.Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    memberships: Mapped[list[Membership]] = relationship(
        back_populates="organization", cascade="all, delete-orphan"
    )


class Membership(Base):
    __tablename__ = "memberships"
    __table_args__ = (sa.UniqueConstraint("org_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(sa.ForeignKey("organizations.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    role: Mapped[Role] = mapped_column(sa.Enum(Role, native_enum=False, length=16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    organization: Mapped[Organization] = relationship(back_populates="memberships")
    user: Mapped[User] = relationship(back_populates="memberships")


#: An account's memberships (accounts come before organizations, so the relationship is
#: declared here, on the side that knows both).
User.memberships = relationship(
    Membership, back_populates="user", cascade="all, delete-orphan"
)


class AllianceMember(Base):
    """A member organization of an alliance (an organization of kind ``alliance``)."""

    __tablename__ = "alliance_members"

    alliance_id: Mapped[int] = mapped_column(
        sa.ForeignKey("organizations.id", ondelete="CASCADE"), primary_key=True
    )
    member_id: Mapped[int] = mapped_column(
        sa.ForeignKey("organizations.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    member: Mapped[Organization] = relationship(foreign_keys=[member_id])
