"""investors at roadshows (融资对接): investor categories, interest marks and connections

Revision ID: 0012_investors
Revises: 0011_mentor_mail
Create Date: 2026-12-07 05:00:00
"""
from alembic import op
import sqlalchemy as sa
import eventhub.database


# revision identifiers, used by Alembic.
revision = '0012_investors'
down_revision = '0011_mentor_mail'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
