"""one head: the features' parallel branches joined, so later migrations form one line

Revision ID: 0010_one_head
Revises: the seven feature heads
Create Date: 2026-11-28 18:10:00
"""

revision = '0010_one_head'
down_revision = ('0002_workflow', '0003_scoring', '0004_monitoring', '0005_integration',
                 '0007_conversation', '0008_platforms', '0009_glue')
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
