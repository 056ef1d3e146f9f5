"""audience voting (人气奖) and live polls: polls, options, votes

Revision ID: 0015_polls
Revises: 0014_draws
Create Date: 2026-12-07 06:00:00
"""
from alembic import op
import sqlalchemy as sa
import eventhub.database


# revision identifiers, used by Alembic.
revision = '0015_polls'
down_revision = '0014_draws'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
