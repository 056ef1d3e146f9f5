"""mentor pool: mentors, their office hours (slots), bookings, the organizations' mentor rule

Revision ID: 0009_mentors
Revises: 0008_scan_nonce_scope
Create Date: 2026-12-07 03:17:34

One person holds at most one live booking of a slot: mentor_bookings.live is true while a
booking holds its place and NULL once cancelled, and (slot_id, user_id, live) is unique (NULLs
never collide), which every backend (MariaDB too, without partial indexes) enforces.
"""
from alembic import op
import sqlalchemy as sa
import eventhub.database


# revision identifiers, used by Alembic.
revision = '0009_mentors'
down_revision = '0008_scan_nonce_scope'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('mentor_rules',
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.Column('min_coachings', sa.Integer(), nullable=False),
    sa.Column('min_minutes', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['org_id'], ['organizations.id'], name=op.f('fk_mentor_rules_org_id_organizations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('org_id', name=op.f('pk_mentor_rules'))
    )
    op.create_table('mentors',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('affiliation', sa.String(length=200), nullable=False),
    sa.Column('expertise', sa.JSON(), nullable=False),
    sa.Column('bio', sa.Text(), nullable=False),
    sa.Column('public', sa.Boolean(), nullable=False),
    sa.Column('photo_key', sa.String(length=200), nullable=True),
    sa.Column('created_at', eventhub.database.UTCDateTime(), nullable=False),
    sa.Column('updated_at', eventhub.database.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['org_id'], ['organizations.id'], name=op.f('fk_mentors_org_id_organizations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_mentors_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_mentors')),
    sa.UniqueConstraint('org_id', 'user_id', name=op.f('uq_mentors_org_id_user_id'))
    )
    with op.batch_alter_table('mentors', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_mentors_org_id'), ['org_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_mentors_user_id'), ['user_id'], unique=False)

    op.create_table('mentor_slots',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('mentor_id', sa.Integer(), nullable=False),
    sa.Column('starts_at', eventhub.database.UTCDateTime(), nullable=False),
    sa.Column('ends_at', eventhub.database.UTCDateTime(), nullable=False),
    sa.Column('mode', sa.Enum('onsite', 'online', name='slotmode', native_enum=False, length=16), nullable=False),
    sa.Column('location', sa.String(length=200), nullable=False),
    sa.Column('capacity', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=True),
    sa.Column('created_at', eventhub.database.UTCDateTime(), nullable=False),
    sa.Column('cancelled_at', eventhub.database.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['event_id'], ['events.id'], name=op.f('fk_mentor_slots_event_id_events'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['mentor_id'], ['mentors.id'], name=op.f('fk_mentor_slots_mentor_id_mentors'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_mentor_slots'))
    )
    with op.batch_alter_table('mentor_slots', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_mentor_slots_event_id'), ['event_id'], unique=False)
        batch_op.create_index('ix_mentor_slots_mentor_starts', ['mentor_id', 'starts_at'], unique=False)

    op.create_table('mentor_bookings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('slot_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('topic', sa.String(length=200), nullable=False),
    sa.Column('entry_id', sa.Integer(), nullable=True),
    sa.Column('status', sa.Enum('booked', 'cancelled', 'no_show', name='bookingstatus', native_enum=False, length=16), nullable=False),
    sa.Column('live', sa.Boolean(), nullable=True),
    sa.Column('created_at', eventhub.database.UTCDateTime(), nullable=False),
    sa.Column('cancelled_at', eventhub.database.UTCDateTime(), nullable=True),
    sa.Column('cancel_message', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['slot_id'], ['mentor_slots.id'], name=op.f('fk_mentor_bookings_slot_id_mentor_slots'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_mentor_bookings_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_mentor_bookings')),
    sa.UniqueConstraint('slot_id', 'user_id', 'live', name=op.f('uq_mentor_bookings_slot_id_user_id_live'))
    )
    with op.batch_alter_table('mentor_bookings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_mentor_bookings_slot_id'), ['slot_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_mentor_bookings_user_id'), ['user_id'], unique=False)



def downgrade():
    # Dropping a table drops its indexes (MariaDB refuses to drop an index a foreign key uses).
    op.drop_table('mentor_bookings')
    op.drop_table('mentor_slots')
    op.drop_table('mentors')
    op.drop_table('mentor_rules')
