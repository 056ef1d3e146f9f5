"""welcome wall (签到墙): registrants' opt-in and wall name, hidden names

Revision ID: 0013_wall
Revises: 0012_investors
Create Date: 2026-12-07 06:00:00
"""
from alembic import op
import sqlalchemy as sa
import eventhub.database


# revision identifiers, used by Alembic.
revision = '0013_wall'
down_revision = '0012_investors'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
