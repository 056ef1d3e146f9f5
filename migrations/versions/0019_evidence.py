"""an event's evidence photos

Revision ID: 0019_evidence
Revises: 0018_partners
Create Date: 2026-12-07 06:20:00
"""
from alembic import op
import sqlalchemy as sa
import eventhub.database


# revision identifiers, used by Alembic.
revision = '0019_evidence'
down_revision = '0018_partners'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
