"""check-in nonces unique per list, not platform-wide

Revision ID: 0008_scan_nonce_scope
Revises: 0007_judge_links
Create Date: 2026-12-07 02:00:00

A scan's nonce was unique across the platform, so a nonce already used at another event's list
replayed that list's stored answer (another organization's attendee) and recorded nothing.
It is now unique per check-in list.
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0008_scan_nonce_scope'
down_revision = '0007_judge_links'
branch_labels = None
depends_on = None

#: A nonce made unique again on downgrade keeps this much of itself, then "~" and the scan id.
KEPT = 40

scans = sa.table(
    'scans',
    sa.column('id', sa.Integer),
    sa.column('nonce', sa.String(64)),
)


def upgrade():
    with op.batch_alter_table('scans', schema=None) as batch_op:
        batch_op.drop_constraint('uq_scans_nonce', type_='unique')
        batch_op.create_unique_constraint(
            batch_op.f('uq_scans_list_id_nonce'), ['list_id', 'nonce']
        )


def downgrade():
    # Since the upgrade, one nonce may have been used at several lists. The platform-wide
    # index needs them unique again: every scan but the first of a nonce gets a new one (its
    # id appended), so no scan is lost; only a replay of those old nonces would be new.
    connection = op.get_bind()
    repeated = sa.select(scans.c.nonce).group_by(scans.c.nonce).having(sa.func.count() > 1)
    rows = connection.execute(
        sa.select(scans.c.id, scans.c.nonce)
        .where(scans.c.nonce.in_(repeated))
        .order_by(scans.c.nonce, scans.c.id)
    ).all()
    seen = set()
    for scan_id, nonce in rows:
        if nonce in seen:
            connection.execute(
                scans.update()
                .where(scans.c.id == scan_id)
                .values(nonce=f"{nonce[:KEPT]}~{scan_id}")
            )
        seen.add(nonce)
    with op.batch_alter_table('scans', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_scans_list_id_nonce'), type_='unique')
        batch_op.create_unique_constraint('uq_scans_nonce', ['nonce'])
