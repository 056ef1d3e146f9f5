"""judge links: single-use, expiring, judge-scoped sign-in links

Revision ID: 0007_judge_links
Revises: 0006_account_sessions
Create Date: 2026-12-07 02:00:00

"""
from alembic import op
import sqlalchemy as sa
import eventhub.database


# revision identifiers, used by Alembic.
revision = '0007_judge_links'
down_revision = '0006_account_sessions'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
