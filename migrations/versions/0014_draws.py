"""lucky draws (抽奖): draws, prizes, frozen pools and winners

Revision ID: 0014_draws
Revises: 0013_wall
Create Date: 2026-12-07 06:00:00
"""
from alembic import op
import sqlalchemy as sa
import eventhub.database


# revision identifiers, used by Alembic.
revision = '0014_draws'
down_revision = '0013_wall'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
