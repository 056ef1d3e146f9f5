"""mentor coachings (辅导记录): coaching records, their mentees and the mentees' ratings

Revision ID: 0010_coachings
Revises: 0009_mentors
Create Date: 2026-12-07 03:30:00
"""
from alembic import op
import sqlalchemy as sa
import eventhub.database


# revision identifiers, used by Alembic.
revision = '0010_coachings'
down_revision = '0009_mentors'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('mentor_coachings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('mentor_id', sa.Integer(), nullable=False),
    sa.Column('started_at', eventhub.database.UTCDateTime(), nullable=False),
    sa.Column('minutes', sa.Integer(), nullable=False),
    sa.Column('mode', sa.Enum('onsite', 'online', 'phone', name='coachingmode', native_enum=False, length=16), nullable=False),
    sa.Column('topic', sa.String(length=200), nullable=False),
    sa.Column('notes', sa.Text(), nullable=False),
    sa.Column('booking_id', sa.Integer(), nullable=True),
    sa.Column('entry_id', sa.Integer(), nullable=True),
    sa.Column('status', sa.Enum('logged', 'confirmed', name='coachingstatus', native_enum=False, length=16), nullable=False),
    sa.Column('confirmed_at', eventhub.database.UTCDateTime(), nullable=True),
    sa.Column('created_by', sa.Integer(), nullable=True),
    sa.Column('created_at', eventhub.database.UTCDateTime(), nullable=False),
    sa.Column('updated_at', eventhub.database.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['booking_id'], ['mentor_bookings.id'], name=op.f('fk_mentor_coachings_booking_id_mentor_bookings'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['created_by'], ['users.id'], name=op.f('fk_mentor_coachings_created_by_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['mentor_id'], ['mentors.id'], name=op.f('fk_mentor_coachings_mentor_id_mentors'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_mentor_coachings'))
    )
    with op.batch_alter_table('mentor_coachings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_mentor_coachings_booking_id'), ['booking_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_mentor_coachings_entry_id'), ['entry_id'], unique=False)
        batch_op.create_index('ix_mentor_coachings_mentor_started', ['mentor_id', 'started_at'], unique=False)

    op.create_table('coaching_mentees',
    sa.Column('coaching_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['coaching_id'], ['mentor_coachings.id'], name=op.f('fk_coaching_mentees_coaching_id_mentor_coachings'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_coaching_mentees_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('coaching_id', 'user_id', name=op.f('pk_coaching_mentees'))
    )
    with op.batch_alter_table('coaching_mentees', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_coaching_mentees_user_id'), ['user_id'], unique=False)

    op.create_table('mentor_ratings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('coaching_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('stars', sa.Integer(), nullable=False),
    sa.Column('comment', sa.Text(), nullable=False),
    sa.Column('created_at', eventhub.database.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['coaching_id'], ['mentor_coachings.id'], name=op.f('fk_mentor_ratings_coaching_id_mentor_coachings'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_mentor_ratings_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_mentor_ratings')),
    sa.UniqueConstraint('coaching_id', 'user_id', name=op.f('uq_mentor_ratings_coaching_id_user_id'))
    )
    with op.batch_alter_table('mentor_ratings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_mentor_ratings_coaching_id'), ['coaching_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_mentor_ratings_user_id'), ['user_id'], unique=False)


def downgrade():
    # Dropping a table drops its indexes (MariaDB refuses to drop an index a foreign key uses).
    op.drop_table('mentor_ratings')
    op.drop_table('coaching_mentees')
    op.drop_table('mentor_coachings')
