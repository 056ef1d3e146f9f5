"""lucky draws (抽奖): draws, prizes, frozen pools and winners

Revision ID: 0014_draws
Revises: 0013_wall
Create Date: 2026-12-07 06:00:00
"""
from alembic import op
import sqlalchemy as sa
import eventhub.database


# revision identifiers, used by Alembic.
revision = '0014_draws'
down_revision = '0013_wall'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('draws',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('prizes', sa.JSON(), nullable=False),
    sa.Column('eligible', sa.Enum('checked_in', 'confirmed', name='draweligibility', native_enum=False, length=16), nullable=False),
    sa.Column('list_id', sa.Integer(), nullable=True),
    sa.Column('exclude_winners_of', sa.JSON(), nullable=False),
    sa.Column('status', sa.Enum('draft', 'committed', 'drawn', name='drawstatus', native_enum=False, length=16), nullable=False),
    sa.Column('pool', sa.JSON(), nullable=True),
    sa.Column('pool_digest', sa.String(length=64), nullable=True),
    sa.Column('seed', sa.String(length=64), nullable=True),
    sa.Column('commitment', sa.String(length=64), nullable=True),
    sa.Column('created_at', eventhub.database.UTCDateTime(), nullable=False),
    sa.Column('committed_at', eventhub.database.UTCDateTime(), nullable=True),
    sa.Column('drawn_at', eventhub.database.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['event_id'], ['events.id'], name=op.f('fk_draws_event_id_events'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['list_id'], ['checkin_lists.id'], name=op.f('fk_draws_list_id_checkin_lists'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_draws'))
    )
    with op.batch_alter_table('draws', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_draws_event_id'), ['event_id'], unique=False)

    op.create_table('draw_winners',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('draw_id', sa.Integer(), nullable=False),
    sa.Column('prize_index', sa.Integer(), nullable=False),
    sa.Column('registration_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('created_at', eventhub.database.UTCDateTime(), nullable=False),
    sa.Column('redrawn_at', eventhub.database.UTCDateTime(), nullable=True),
    sa.Column('redraw_reason', sa.String(length=1000), nullable=False),
    sa.Column('replaced_by', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['draw_id'], ['draws.id'], name=op.f('fk_draw_winners_draw_id_draws'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['registration_id'], ['registrations.id'], name=op.f('fk_draw_winners_registration_id_registrations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_draw_winners')),
    sa.UniqueConstraint('draw_id', 'registration_id', name=op.f('uq_draw_winners_draw_id_registration_id'))
    )


def downgrade():
    op.drop_table('draw_winners')
    op.drop_table('draws')
