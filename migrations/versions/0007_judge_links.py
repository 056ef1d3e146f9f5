"""judge links: single-use, expiring, judge-scoped sign-in links

Revision ID: 0007_judge_links
Revises: 0006_account_sessions
Create Date: 2026-12-07 02:00:00

"""
from alembic import op
import sqlalchemy as sa
import eventhub.database


# revision identifiers, used by Alembic.
revision = '0007_judge_links'
down_revision = '0006_account_sessions'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('judge_links',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('judge_id', sa.Integer(), nullable=False),
    sa.Column('digest', sa.String(length=64), nullable=False),
    sa.Column('created_at', eventhub.database.UTCDateTime(), nullable=False),
    sa.Column('expires_at', eventhub.database.UTCDateTime(), nullable=False),
    sa.Column('used_at', eventhub.database.UTCDateTime(), nullable=True),
    sa.Column('revoked_at', eventhub.database.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['judge_id'], ['judges.id'], name=op.f('fk_judge_links_judge_id_judges'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_judge_links')),
    sa.UniqueConstraint('digest', name=op.f('uq_judge_links_digest'))
    )
    with op.batch_alter_table('judge_links', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_judge_links_judge_id'), ['judge_id'], unique=False)

    with op.batch_alter_table('judges', schema=None) as batch_op:
        batch_op.add_column(sa.Column('invited_name', sa.String(length=200), server_default='', nullable=False))
        batch_op.add_column(sa.Column('accepted_at', eventhub.database.UTCDateTime(), nullable=True))

    # Judges who have scored took up the role: they count as accepted (organizers keep seeing
    # their names). The others accept by opening a new link (the old signed links no longer
    # sign in) or by using the judging pages signed in with their account.
    judges = sa.table('judges', sa.column('id', sa.Integer()),
                      sa.column('invited_at', eventhub.database.UTCDateTime()),
                      sa.column('accepted_at', eventhub.database.UTCDateTime()))
    scorecards = sa.table('scorecards', sa.column('judge_id', sa.Integer()))
    op.execute(
        judges.update()
        .where(sa.exists().where(scorecards.c.judge_id == judges.c.id))
        .values(accepted_at=judges.c.invited_at)
    )


def downgrade():
    with op.batch_alter_table('judges', schema=None) as batch_op:
        batch_op.drop_column('accepted_at')
        batch_op.drop_column('invited_name')

    # Dropping the table drops its indexes (MariaDB refuses to drop the judge_id index first:
    # its foreign key needs it).
    op.drop_table('judge_links')
