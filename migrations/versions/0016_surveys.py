"""satisfaction surveys (满意度): questions and anonymous responses

Revision ID: 0016_surveys
Revises: 0015_polls
Create Date: 2026-12-07 06:00:00
"""
from alembic import op
import sqlalchemy as sa
import eventhub.database


# revision identifiers, used by Alembic.
revision = '0016_surveys'
down_revision = '0015_polls'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
