"""investors at roadshows (融资对接): investor categories, interest marks and connections

Revision ID: 0012_investors
Revises: 0011_mentor_mail
Create Date: 2026-12-07 05:00:00

One mark per investor and entry ((entry_id, investor_id) is unique) and one connection per
mark (interest_id is unique): double submits and double accepts make one row on every backend.
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
    with op.batch_alter_table('categories', schema=None) as batch_op:
        batch_op.add_column(sa.Column('investor', sa.Boolean(), nullable=False, server_default=sa.false()))

    op.create_table('investor_interests',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('entry_id', sa.Integer(), nullable=False),
    sa.Column('investor_id', sa.Integer(), nullable=False),
    sa.Column('level', sa.Enum('interested', 'meeting', 'bp', name='interestlevel', native_enum=False, length=16), nullable=False),
    sa.Column('note', sa.String(length=1000), nullable=False),
    sa.Column('share_consent_at', eventhub.database.UTCDateTime(), nullable=True),
    sa.Column('share_consent_version', sa.String(length=32), nullable=False),
    sa.Column('created_at', eventhub.database.UTCDateTime(), nullable=False),
    sa.Column('updated_at', eventhub.database.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['entry_id'], ['entries.id'], name=op.f('fk_investor_interests_entry_id_entries'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['investor_id'], ['users.id'], name=op.f('fk_investor_interests_investor_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_investor_interests')),
    sa.UniqueConstraint('entry_id', 'investor_id', name=op.f('uq_investor_interests_entry_id_investor_id'))
    )
    with op.batch_alter_table('investor_interests', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_investor_interests_investor_id'), ['investor_id'], unique=False)

    op.create_table('investor_connections',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('interest_id', sa.Integer(), nullable=False),
    sa.Column('entry_id', sa.Integer(), nullable=False),
    sa.Column('investor_id', sa.Integer(), nullable=False),
    sa.Column('leader_id', sa.Integer(), nullable=False),
    sa.Column('investor_consent_at', eventhub.database.UTCDateTime(), nullable=False),
    sa.Column('investor_consent_version', sa.String(length=32), nullable=False),
    sa.Column('leader_consent_at', eventhub.database.UTCDateTime(), nullable=False),
    sa.Column('leader_consent_version', sa.String(length=32), nullable=False),
    sa.Column('created_at', eventhub.database.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['entry_id'], ['entries.id'], name=op.f('fk_investor_connections_entry_id_entries'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['interest_id'], ['investor_interests.id'], name=op.f('fk_investor_connections_interest_id_investor_interests'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['investor_id'], ['users.id'], name=op.f('fk_investor_connections_investor_id_users'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['leader_id'], ['users.id'], name=op.f('fk_investor_connections_leader_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_investor_connections')),
    sa.UniqueConstraint('interest_id', name=op.f('uq_investor_connections_interest_id'))
    )
    with op.batch_alter_table('investor_connections', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_investor_connections_entry_id'), ['entry_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_investor_connections_investor_id'), ['investor_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_investor_connections_leader_id'), ['leader_id'], unique=False)


def downgrade():
    # Dropping a table drops its indexes (MariaDB refuses to drop an index a foreign key uses).
    op.drop_table('investor_connections')
    op.drop_table('investor_interests')
    with op.batch_alter_table('categories', schema=None) as batch_op:
        batch_op.drop_column('investor')
