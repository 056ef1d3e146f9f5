"""welcome wall (签到墙): registrants' opt-in and wall name, hidden names

Revision ID: 0013_wall
Revises: 0012_investors
Create Date: 2026-12-07 06:00:00
"""
from alembic import op
import sqlalchemy as sa
import eventhub.database


# revision identifiers, used by Alembic.
revision = '0013_wall'
down_revision = '0012_investors'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('registrations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('show_on_wall', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column('wall_name', sa.String(length=20), nullable=False, server_default=''))

    op.create_table('wall_hidden_names',
    sa.Column('registration_id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('hidden_by_id', sa.Integer(), nullable=True),
    sa.Column('hidden_at', eventhub.database.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['event_id'], ['events.id'], name=op.f('fk_wall_hidden_names_event_id_events'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['hidden_by_id'], ['users.id'], name=op.f('fk_wall_hidden_names_hidden_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['registration_id'], ['registrations.id'], name=op.f('fk_wall_hidden_names_registration_id_registrations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('registration_id', name=op.f('pk_wall_hidden_names'))
    )
    with op.batch_alter_table('wall_hidden_names', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_wall_hidden_names_event_id'), ['event_id'], unique=False)


def downgrade():
    # Dropping the table drops its index (MariaDB refuses to drop an index a foreign key uses).
    op.drop_table('wall_hidden_names')
    with op.batch_alter_table('registrations', schema=None) as batch_op:
        batch_op.drop_column('wall_name')
        batch_op.drop_column('show_on_wall')
