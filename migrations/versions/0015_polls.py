"""audience voting (人气奖) and live polls: polls, options, votes

Revision ID: 0015_polls
Revises: 0014_draws
Create Date: 2026-12-07 06:00:00

One vote per poll and registration ((poll_id, registration_id) is unique): ten requests at
once make one vote on every backend.
"""
from alembic import op
import sqlalchemy as sa
import eventhub.database


# revision identifiers, used by Alembic.
revision = '0015_polls'
down_revision = '0014_draws'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('polls',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('question', sa.String(length=200), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=True),
    sa.Column('max_choices', sa.Integer(), nullable=False),
    sa.Column('eligible', sa.Enum('checked_in', 'confirmed', name='polleligibility', native_enum=False, length=16), nullable=False),
    sa.Column('status', sa.Enum('draft', 'open', 'closed', name='pollstatus', native_enum=False, length=16), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', eventhub.database.UTCDateTime(), nullable=False),
    sa.Column('opened_at', eventhub.database.UTCDateTime(), nullable=True),
    sa.Column('closed_at', eventhub.database.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_polls_created_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['event_id'], ['events.id'], name=op.f('fk_polls_event_id_events'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['round_id'], ['rounds.id'], name=op.f('fk_polls_round_id_rounds'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_polls'))
    )
    with op.batch_alter_table('polls', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_polls_event_id'), ['event_id'], unique=False)

    op.create_table('poll_options',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('poll_id', sa.Integer(), nullable=False),
    sa.Column('label', sa.String(length=200), nullable=False),
    sa.Column('entry_id', sa.Integer(), nullable=True),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['entry_id'], ['entries.id'], name=op.f('fk_poll_options_entry_id_entries'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['poll_id'], ['polls.id'], name=op.f('fk_poll_options_poll_id_polls'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_poll_options'))
    )
    with op.batch_alter_table('poll_options', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_poll_options_poll_id'), ['poll_id'], unique=False)

    op.create_table('poll_votes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('poll_id', sa.Integer(), nullable=False),
    sa.Column('registration_id', sa.Integer(), nullable=False),
    sa.Column('device', sa.String(length=32), nullable=False),
    sa.Column('created_at', eventhub.database.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['poll_id'], ['polls.id'], name=op.f('fk_poll_votes_poll_id_polls'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['registration_id'], ['registrations.id'], name=op.f('fk_poll_votes_registration_id_registrations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_poll_votes')),
    sa.UniqueConstraint('poll_id', 'registration_id', name=op.f('uq_poll_votes_poll_id_registration_id'))
    )
    with op.batch_alter_table('poll_votes', schema=None) as batch_op:
        batch_op.create_index('ix_poll_votes_poll_at', ['poll_id', 'created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_poll_votes_registration_id'), ['registration_id'], unique=False)

    op.create_table('poll_choices',
    sa.Column('vote_id', sa.Integer(), nullable=False),
    sa.Column('option_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['option_id'], ['poll_options.id'], name=op.f('fk_poll_choices_option_id_poll_options'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['vote_id'], ['poll_votes.id'], name=op.f('fk_poll_choices_vote_id_poll_votes'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('vote_id', 'option_id', name=op.f('pk_poll_choices'))
    )
    with op.batch_alter_table('poll_choices', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_poll_choices_option_id'), ['option_id'], unique=False)


def downgrade():
    # Dropping a table drops its indexes (MariaDB refuses to drop an index a foreign key uses).
    op.drop_table('poll_choices')
    op.drop_table('poll_votes')
    op.drop_table('poll_options')
    op.drop_table('polls')
