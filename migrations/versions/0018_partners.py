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
    # The membership role ``viewer`` needs no change: roles are stored as strings.
    op.create_table('alliance_members',
    sa.Column('alliance_id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('created_at', eventhub.database.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['alliance_id'], ['organizations.id'], name=op.f('fk_alliance_members_alliance_id_organizations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['member_id'], ['organizations.id'], name=op.f('fk_alliance_members_member_id_organizations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('alliance_id', 'member_id', name=op.f('pk_alliance_members'))
    )
    with op.batch_alter_table('alliance_members', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_alliance_members_member_id'), ['member_id'], unique=False)

    op.create_table('event_partners',
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.Column('role', sa.Enum('co_host', 'undertaker', 'supporter', name='partnerrole', native_enum=False, length=16), nullable=False),
    sa.Column('created_at', eventhub.database.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['event_id'], ['events.id'], name=op.f('fk_event_partners_event_id_events'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['org_id'], ['organizations.id'], name=op.f('fk_event_partners_org_id_organizations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('event_id', 'org_id', name=op.f('pk_event_partners'))
    )
    with op.batch_alter_table('event_partners', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_event_partners_org_id'), ['org_id'], unique=False)


def downgrade():
    # Dropping a table drops its indexes (MariaDB refuses to drop an index a foreign key uses).
    op.drop_table('event_partners')
    op.drop_table('alliance_members')
