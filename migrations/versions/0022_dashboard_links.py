"""signed, expiring read-only links to an organization's dashboard

Revision ID: 0022_dashboard_links
Revises: 0021_report_indexes
Create Date: 2026-12-07 08:00:00
"""
from alembic import op
import sqlalchemy as sa
import eventhub.database


# revision identifiers, used by Alembic.
revision = '0022_dashboard_links'
down_revision = '0021_report_indexes'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('dashboard_links',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', eventhub.database.UTCDateTime(), nullable=False),
    sa.Column('expires_at', eventhub.database.UTCDateTime(), nullable=False),
    sa.Column('revoked_at', eventhub.database.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_dashboard_links_created_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['org_id'], ['organizations.id'], name=op.f('fk_dashboard_links_org_id_organizations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_dashboard_links'))
    )
    with op.batch_alter_table('dashboard_links', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_dashboard_links_org_id'), ['org_id'], unique=False)


def downgrade():
    op.drop_table('dashboard_links')
