"""the event's 负责人 and indexes for the organization and alliance reports

Revision ID: 0021_report_indexes
Revises: 0020_series
Create Date: 2026-12-07 08:00:00
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0021_report_indexes'
down_revision = '0020_series'
branch_labels = None
depends_on = None


#: A check-in (an ok entry scan, not reverted) by registration: the reports' "checked in"
#: (checkin.services.is_checked_in) reads only this index, not the scans, when it matches an
#: event's registrations with their scans (bench/reports.py: an alliance's year, 400,000
#: registrations). Partial where the database has partial indexes (MariaDB: the whole table).
CHECKED_IN = "status = 'ok' AND type = 'entry' AND reverted_at IS NULL"


def upgrade():
    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.add_column(sa.Column('lead_name', sa.String(length=200), nullable=False,
                                      server_default=''))
    op.create_index('ix_scans_checked_in', 'scans', ['registration_id', 'list_id'],
                    unique=False, postgresql_where=sa.text(CHECKED_IN),
                    sqlite_where=sa.text(CHECKED_IN))


def downgrade():
    if op.get_bind().dialect.name in ('mysql', 'mariadb'):
        # InnoDB dropped the index it had made for the foreign key on registration_id once
        # ix_scans_checked_in could serve it: give the key back an index of its own first.
        op.create_index('fk_scans_registration_id_registrations', 'scans', ['registration_id'],
                        unique=False)
    op.drop_index('ix_scans_checked_in', table_name='scans')
    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.drop_column('lead_name')
