"""certificates (参会证明, 获奖证书)

Revision ID: 0017_certificates
Revises: 0016_surveys
Create Date: 2026-12-07 06:00:00
"""
from alembic import op
import sqlalchemy as sa
import eventhub.database


# revision identifiers, used by Alembic.
revision = '0017_certificates'
down_revision = '0016_surveys'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
