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
    pass


def downgrade():
    pass
