"""account sessions: a per-user session generation, sessions that can be listed and revoked

Revision ID: 0006_account_sessions
Revises: 0005_roadshow
Create Date: 2026-12-07 02:00:00

"""
from alembic import op
import sqlalchemy as sa
import eventhub.database


# revision identifiers, used by Alembic.
revision = '0006_account_sessions'
down_revision = '0005_roadshow'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
