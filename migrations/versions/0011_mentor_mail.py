"""mentor mail: calendar attachments on outbox mail, reminders of office hours

Revision ID: 0011_mentor_mail
Revises: 0010_coachings
Create Date: 2026-12-07 05:00:00
"""
from alembic import op
import sqlalchemy as sa
import eventhub.database


# revision identifiers, used by Alembic.
revision = '0011_mentor_mail'
down_revision = '0010_coachings'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('mail_outbox', schema=None) as batch_op:
        batch_op.add_column(sa.Column('attachments', sa.JSON(), nullable=True))

    with op.batch_alter_table('mentor_bookings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reminded_at', eventhub.database.UTCDateTime(), nullable=True))


def downgrade():
    with op.batch_alter_table('mentor_bookings', schema=None) as batch_op:
        batch_op.drop_column('reminded_at')

    with op.batch_alter_table('mail_outbox', schema=None) as batch_op:
        batch_op.drop_column('attachments')
