"""alliances' member organizations, event partners and sponsor viewers

Revision ID: 0018_partners
Revises: 0017_certificates
Create Date: 2026-12-07 06:20:00
"""
from alembic import op
import sqlalchemy as sa
import eventhub.database


# revision identifiers, used by Alembic.
revision = '0018_partners'
down_revision = '0017_certificates'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
