"""mentor invitations and photos

Revision ID: 0013_mentor_invitations
Revises: 0012_investors
Create Date: 2026-12-07 05:00:00
"""
from alembic import op
import sqlalchemy as sa
import eventhub.database


# revision identifiers, used by Alembic.
revision = '0013_mentor_invitations'
down_revision = '0012_investors'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
