"""mail_outbox.render_args: a mail queued unrendered in its change's transaction (out of a lock), rendered after the commit or by its sender

Revision ID: 0024_outbox_render_args
Revises: 0023_form_version
Create Date: 2026-12-07 17:00:00
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0024_outbox_render_args'
down_revision = '0023_form_version'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('mail_outbox', schema=None) as batch_op:
        batch_op.add_column(sa.Column('render_args', sa.JSON(none_as_null=True), nullable=True))


def downgrade():
    with op.batch_alter_table('mail_outbox', schema=None) as batch_op:
        batch_op.drop_column('render_args')
