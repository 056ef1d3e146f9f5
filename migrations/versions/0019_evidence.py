"""an event's evidence photos

Revision ID: 0019_evidence
Revises: 0018_partners
Create Date: 2026-12-07 06:20:00
"""
from alembic import op
import sqlalchemy as sa
import eventhub.database


# revision identifiers, used by Alembic.
revision = '0019_evidence'
down_revision = '0018_partners'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('event_photos',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=32), nullable=False),
    sa.Column('format', sa.String(length=8), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('uploaded_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', eventhub.database.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['event_id'], ['events.id'], name=op.f('fk_event_photos_event_id_events'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['uploaded_by_id'], ['users.id'], name=op.f('fk_event_photos_uploaded_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_event_photos')),
    sa.UniqueConstraint('key', name=op.f('uq_event_photos_key'))
    )
    with op.batch_alter_table('event_photos', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_event_photos_event_id'), ['event_id'], unique=False)


def downgrade():
    op.drop_table('event_photos')
