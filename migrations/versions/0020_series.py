"""event series and their subscribers

Revision ID: 0020_series
Revises: 0019_evidence
Create Date: 2026-12-07 06:20:00
"""
from alembic import op
import sqlalchemy as sa
import eventhub.database


# revision identifiers, used by Alembic.
revision = '0020_series'
down_revision = '0019_evidence'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
