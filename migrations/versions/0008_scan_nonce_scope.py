"""check-in nonces unique per list, not platform-wide

Revision ID: 0008_scan_nonce_scope
Revises: 0007_judge_links
Create Date: 2026-12-07 02:00:00

"""
from alembic import op
import sqlalchemy as sa
import eventhub.database


# revision identifiers, used by Alembic.
revision = '0008_scan_nonce_scope'
down_revision = '0007_judge_links'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
