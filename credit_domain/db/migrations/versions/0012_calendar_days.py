"""calendar days: public holidays and make-up workdays entered by an administrator

Revision ID: 0012_calendar_days
Revises: 0011_overdue_reported
Create Date: 2026-11-29 04:10:00

The ``chinesecalendar`` package knows each year's holidays only once the State Council has
announced them and a release has shipped; until then SLAs counted Monday to Friday. Days
entered here take precedence over the package and cover the years it does not know yet.
"""
from alembic import op
import sqlalchemy as sa
import credit_domain.db.types


revision = '0012_calendar_days'
down_revision = '0011_overdue_reported'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('calendar_days',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('calendar', sa.String(length=16), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('working', sa.Boolean(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('set_by', sa.String(length=200), nullable=False),
    sa.Column('set_at', credit_domain.db.types.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_calendar_days')),
    sa.UniqueConstraint('calendar', 'day', name=op.f('uq_calendar_days_calendar_day'))
    )


def downgrade() -> None:
    op.drop_table('calendar_days')
