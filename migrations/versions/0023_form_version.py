"""events.form_version: raised by every change of the registration form, which is cached per version

Revision ID: 0023_form_version
Revises: 0022_dashboard_links
Create Date: 2026-12-07 11:20:00
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0023_form_version'
down_revision = '0022_dashboard_links'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.add_column(sa.Column('form_version', sa.Integer(), server_default='0', nullable=False))


def downgrade():
    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.drop_column('form_version')
