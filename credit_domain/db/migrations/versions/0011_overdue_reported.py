"""overdue reported: invoices remember that the overdue scan reported them

Revision ID: 0011_overdue_reported
Revises: 0010_one_head
Create Date: 2026-11-28 19:20:00

The overdue scan used to find unreported invoices by probing the raised alerts for every open
overdue invoice of the book on each run; a flag and a partial index over the open, unreported
invoices make a run read only what is new. Invoices already reported (an ``overdue:invoice:N``
raised alert) are marked here.
"""
from alembic import op
import sqlalchemy as sa


revision = '0011_overdue_reported'
down_revision = '0010_one_head'
branch_labels = None
depends_on = None

PREFIX = 'overdue:invoice:'


def upgrade() -> None:
    with op.batch_alter_table('invoices', schema=None) as batch_op:
        batch_op.add_column(sa.Column('overdue_reported', sa.Boolean(), nullable=False,
                                      server_default=sa.false()))
    op.execute(sa.text(
        "UPDATE invoices SET overdue_reported = :yes WHERE id IN ("
        " SELECT CAST(substr(dedupe_key, :start) AS INTEGER) FROM raised_alerts"
        " WHERE dedupe_key LIKE :pattern)"
    ).bindparams(yes=True, start=len(PREFIX) + 1, pattern=PREFIX + '%'))
    op.create_index('ix_invoices_unreported', 'invoices', ['business_unit_id', 'due_date'],
                    unique=False,
                    sqlite_where=sa.text('overdue_reported = 0 AND open_amount > 0'),
                    postgresql_where=sa.text('overdue_reported = false AND open_amount > 0'))


def downgrade() -> None:
    op.drop_index('ix_invoices_unreported', table_name='invoices')
    with op.batch_alter_table('invoices', schema=None) as batch_op:
        batch_op.drop_column('overdue_reported')
