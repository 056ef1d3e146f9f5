"""the event's 负责人 and indexes for the organization and alliance reports

Revision ID: 0021_report_indexes
Revises: 0020_series
Create Date: 2026-12-07 08:00:00
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0021_report_indexes'
down_revision = '0020_series'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.add_column(sa.Column('lead_name', sa.String(length=200), nullable=False,
                                      server_default=''))


def downgrade():
    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.drop_column('lead_name')
