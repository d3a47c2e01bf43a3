"""the whole domain

Revision ID: 0001
Revises:
Create Date: 2026-11-29 22:41:45.994702
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:

    op.create_table(
        "bot_state",
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column(
            "value", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=False
        ),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("key"),
    )
    op.create_table(
        "inbox_update",
        sa.Column(
            "update_id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=False,
            nullable=False,
        ),
        sa.Column("chat_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("user_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column(
            "payload", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=False
        ),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("update_id"),
    )
    with op.batch_alter_table("inbox_update", schema=None) as batch_op:
        batch_op.create_index("ix_inbox_update_status", ["status", "update_id"], unique=False)

    op.create_table(
        "invite_attempt",
        sa.Column(
            "telegram_user_id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=False,
            nullable=False,
        ),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("window_started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("blocked_until", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("telegram_user_id"),
    )
    op.create_table(
        "person",
        sa.Column(
            "telegram_user_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.Column("chat_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("display_name", sa.String(length=200), nullable=True),
        sa.Column("locale", sa.String(length=8), nullable=False),
        sa.Column("locale_chosen", sa.Boolean(), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("command_menu", sa.String(length=32), nullable=True),
        sa.Column("forgotten_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("telegram_user_id", name="uq_person_telegram_user_id"),
    )
    op.create_table(
        "checkin_pause",
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=False),
        sa.Column("reason", sa.String(length=16), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("ends_on >= starts_on", name="ck_checkin_pause_dates"),
        sa.ForeignKeyConstraint(["client_id"], ["person.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["created_by_id"], ["person.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("checkin_pause", schema=None) as batch_op:
        batch_op.create_index("ix_checkin_pause_client", ["client_id", "ends_on"], unique=False)

    op.create_table(
        "checkin_schedule",
        sa.Column("local_time", sa.Time(), nullable=False),
        sa.Column("weekdays", sa.String(length=7), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("next_due_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["client_id"], ["person.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("checkin_schedule", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_checkin_schedule_client_id"), ["client_id"], unique=False
        )
        batch_op.create_index("ix_checkin_schedule_due", ["active", "next_due_at"], unique=False)

    op.create_table(
        "client_name",
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("coach_id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["client_id"], ["person.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["coach_id"], ["person.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("coach_id", "client_id", name="uq_client_name_pair"),
    )
    with op.batch_alter_table("client_name", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_client_name_client_id"), ["client_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_client_name_coach_id"), ["coach_id"], unique=False)

    op.create_table(
        "coach_note",
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("coach_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["client_id"], ["person.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["coach_id"], ["person.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("coach_note", schema=None) as batch_op:
        batch_op.create_index("ix_coach_note_client", ["client_id", "created_at"], unique=False)

    op.create_table(
        "flag",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("urgency", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("source_type", sa.String(length=32), nullable=True),
        sa.Column("source_id", sa.Integer(), nullable=True),
        sa.Column(
            "details", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=False
        ),
        sa.Column("raised_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("notify_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("notified_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("coach_id", sa.Integer(), nullable=True),
        sa.Column("acknowledged_by_id", sa.Integer(), nullable=True),
        sa.Column("acknowledged_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("snoozed_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("done_by_id", sa.Integer(), nullable=True),
        sa.Column("done_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("escalation_level", sa.Integer(), nullable=False),
        sa.Column("escalate_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["acknowledged_by_id"], ["person.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["client_id"], ["person.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["coach_id"], ["person.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["done_by_id"], ["person.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("flag", schema=None) as batch_op:
        batch_op.create_index("ix_flag_client_raised", ["client_id", "raised_at"], unique=False)
        batch_op.create_index("ix_flag_coach_status", ["coach_id", "status"], unique=False)
        batch_op.create_index("ix_flag_escalate_at", ["escalate_at"], unique=False)
        batch_op.create_index("ix_flag_notify_at", ["notify_at"], unique=False)
        batch_op.create_index(
            "uq_flag_open_kind",
            ["client_id", "kind"],
            unique=True,
            sqlite_where=sa.text("status != 'done'"),
            postgresql_where=sa.text("status != 'done'"),
        )

    op.create_table(
        "flow_state",
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("flow", sa.String(length=64), nullable=False),
        sa.Column("step", sa.String(length=64), nullable=False),
        sa.Column("data", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=False),
        sa.Column("awaiting_text_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["person_id"], ["person.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("person_id"),
    )
    op.create_table(
        "follow_up_plan",
        sa.Column("opted_out_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "rhythm", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=True
        ),
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("tightened_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["client_id"], ["person.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["updated_by_id"], ["person.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("client_id"),
    )
    op.create_table(
        "organisation",
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column("locale", sa.String(length=8), nullable=False),
        sa.Column("emergency_number", sa.String(length=32), nullable=False),
        sa.Column("crisis_line_name", sa.String(length=120), nullable=False),
        sa.Column("crisis_line_number", sa.String(length=32), nullable=False),
        sa.Column(
            "team_chat_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.Column("backup_person_id", sa.Integer(), nullable=True),
        sa.Column(
            "settings", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=False
        ),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["backup_person_id"], ["person.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("name", name="uq_organisation_name"),
    )
    op.create_table(
        "outbox_message",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("chat_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=True),
        sa.Column("method", sa.String(length=64), nullable=False),
        sa.Column(
            "payload", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=False
        ),
        sa.Column("purpose", sa.String(length=64), nullable=False),
        sa.Column("dedup_key", sa.String(length=128), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("priority", sa.Integer(), nullable=False),
        sa.Column("not_before", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("claimed_by", sa.String(length=64), nullable=True),
        sa.Column("claim_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.String(length=300), nullable=True),
        sa.Column(
            "sent_message_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["person_id"], ["person.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("dedup_key", name="uq_outbox_message_dedup_key"),
    )
    with op.batch_alter_table("outbox_message", schema=None) as batch_op:
        batch_op.create_index("ix_outbox_message_due", ["status", "not_before"], unique=False)
        batch_op.create_index("ix_outbox_message_person", ["person_id", "status"], unique=False)

    op.create_table(
        "preference",
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("encouragement", sa.Boolean(), nullable=False),
        sa.Column("working_days", sa.String(length=7), nullable=False),
        sa.Column("working_start", sa.Time(), nullable=False),
        sa.Column("working_end", sa.Time(), nullable=False),
        sa.Column("quiet_start", sa.Time(), nullable=False),
        sa.Column("quiet_end", sa.Time(), nullable=False),
        sa.Column("daily_digest", sa.Boolean(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["person_id"], ["person.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("person_id"),
    )
    op.create_table(
        "reachability",
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("since", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reported_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.String(length=300), nullable=True),
        sa.ForeignKeyConstraint(["person_id"], ["person.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("person_id"),
    )
    op.create_table(
        "recurring_notice",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("next_due_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["person_id"], ["person.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("person_id", "kind", name="uq_recurring_notice_kind"),
    )
    with op.batch_alter_table("recurring_notice", schema=None) as batch_op:
        batch_op.create_index("ix_recurring_notice_due", ["next_due_at"], unique=False)

    op.create_table(
        "audit_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("event", sa.String(length=64), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("subject_id", sa.Integer(), nullable=True),
        sa.Column("organisation_id", sa.Integer(), nullable=True),
        sa.Column("object_type", sa.String(length=32), nullable=True),
        sa.Column("object_id", sa.Integer(), nullable=True),
        sa.Column(
            "details", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=False
        ),
        sa.ForeignKeyConstraint(["actor_id"], ["person.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["organisation_id"], ["organisation.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["subject_id"], ["person.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.create_index("ix_audit_event_subject", ["subject_id", "at"], unique=False)

    op.create_table(
        "checkin",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("schedule_id", sa.Integer(), nullable=True),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("window_ends_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reminder_due_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reminded_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("sleep", sa.String(length=16), nullable=True),
        sa.Column("got_up", sa.String(length=16), nullable=True),
        sa.Column("mood", sa.Integer(), nullable=True),
        sa.Column("day_kind", sa.String(length=32), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("voice_file_id", sa.String(length=255), nullable=True),
        sa.Column("contact_requested", sa.Boolean(), nullable=False),
        sa.Column(
            "extra_answers",
            sa.JSON().with_variant(postgresql.JSONB(), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "questions", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=False
        ),
        sa.Column("question_outbox_id", sa.Integer(), nullable=True),
        sa.Column(
            "question_message_id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            nullable=True,
        ),
        sa.Column("reminder_outbox_id", sa.Integer(), nullable=True),
        sa.Column("claimed_by", sa.String(length=64), nullable=True),
        sa.Column("claim_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("mood IS NULL OR mood BETWEEN 1 AND 5", name="ck_checkin_mood"),
        sa.ForeignKeyConstraint(["client_id"], ["person.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["question_outbox_id"], ["outbox_message.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["reminder_outbox_id"], ["outbox_message.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["schedule_id"], ["checkin_schedule.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("schedule_id", "due_at", name="uq_checkin_schedule_due"),
    )
    with op.batch_alter_table("checkin", schema=None) as batch_op:
        batch_op.create_index("ix_checkin_client_due", ["client_id", "due_at"], unique=False)
        batch_op.create_index("ix_checkin_status_due", ["status", "due_at"], unique=False)
        batch_op.create_index(
            "ix_checkin_status_reminder", ["status", "reminder_due_at"], unique=False
        )
        batch_op.create_index(
            "ix_checkin_status_window", ["status", "window_ends_at"], unique=False
        )

    op.create_table(
        "coaching",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("agreement_version", sa.String(length=32), nullable=True),
        sa.Column("agreement_accepted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_by_id", sa.Integer(), nullable=True),
        sa.Column("outcome", sa.String(length=32), nullable=True),
        sa.Column("follow_up_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["client_id"], ["person.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["closed_by_id"], ["person.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["organisation_id"], ["organisation.id"], ondelete="RESTRICT"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("coaching", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_coaching_client_id"), ["client_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_coaching_organisation_id"), ["organisation_id"], unique=False
        )
        batch_op.create_index(
            "ix_coaching_status_follow_up", ["status", "follow_up_until"], unique=False
        )
        batch_op.create_index(
            "uq_coaching_open",
            ["client_id", "organisation_id"],
            unique=True,
            sqlite_where=sa.text("status IN ('onboarding', 'active')"),
            postgresql_where=sa.text("status IN ('onboarding', 'active')"),
        )

    op.create_table(
        "employer",
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("business_id", sa.String(length=16), nullable=True),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["organisation_id"], ["organisation.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("organisation_id", "business_id", name="uq_employer_business_id"),
    )
    with op.batch_alter_table("employer", schema=None) as batch_op:
        batch_op.create_index("ix_employer_organisation", ["organisation_id", "name"], unique=False)

    op.create_table(
        "flag_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("flag_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("target_id", sa.Integer(), nullable=True),
        sa.Column(
            "target_chat_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("note", sa.String(length=300), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["actor_id"], ["person.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["flag_id"], ["flag.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["target_id"], ["person.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("flag_event", schema=None) as batch_op:
        batch_op.create_index("ix_flag_event_flag", ["flag_id", "created_at"], unique=False)

    op.create_table(
        "membership",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("active_from", sa.DateTime(timezone=True), nullable=False),
        sa.Column("active_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["organisation_id"], ["organisation.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["person_id"], ["person.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("person_id", "organisation_id", "role", name="uq_membership_role"),
    )
    with op.batch_alter_table("membership", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_membership_organisation_id"), ["organisation_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_membership_person_id"), ["person_id"], unique=False)

    op.create_table(
        "closing_summary",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("coaching_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column(
            "content", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=False
        ),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("change_request", sa.Text(), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("change_requested_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("approved_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["coaching_id"], ["coaching.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["created_by_id"], ["person.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("coaching_id", "version", name="uq_closing_summary_version"),
    )
    with op.batch_alter_table("closing_summary", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_closing_summary_coaching_id"), ["coaching_id"], unique=False
        )

    op.create_table(
        "coach_assignment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("coaching_id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("coach_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("valid_from", sa.DateTime(timezone=True), nullable=False),
        sa.Column("valid_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("reason", sa.String(length=500), nullable=True),
        sa.Column("announced_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("end_announced_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["client_id"], ["person.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["coach_id"], ["person.id"], ondelete="RESTRICT"),
        sa.ForeignKeyConstraint(["coaching_id"], ["coaching.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["created_by_id"], ["person.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("coach_assignment", schema=None) as batch_op:
        batch_op.create_index(
            "ix_coach_assignment_client", ["client_id", "valid_until"], unique=False
        )
        batch_op.create_index(
            "ix_coach_assignment_coach", ["coach_id", "valid_until"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_coach_assignment_coaching_id"), ["coaching_id"], unique=False
        )
        batch_op.create_index(
            "uq_coach_assignment_responsible",
            ["coaching_id"],
            unique=True,
            sqlite_where=sa.text("kind = 'responsible' AND valid_until IS NULL"),
            postgresql_where=sa.text("kind = 'responsible' AND valid_until IS NULL"),
        )

    op.create_table(
        "consent",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("subject", sa.String(length=32), nullable=False),
        sa.Column("employer_id", sa.Integer(), nullable=True),
        sa.Column("text_version", sa.String(length=32), nullable=False),
        sa.Column("given_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["client_id"], ["person.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["employer_id"], ["employer.id"], ondelete="RESTRICT"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("consent", schema=None) as batch_op:
        batch_op.create_index("ix_consent_employer", ["employer_id", "revoked_at"], unique=False)
        batch_op.create_index(
            "uq_consent_active",
            ["client_id", "subject", "employer_id"],
            unique=True,
            sqlite_where=sa.text("revoked_at IS NULL"),
            postgresql_where=sa.text("revoked_at IS NULL"),
        )

    op.create_table(
        "employer_contact",
        sa.Column("title", sa.String(length=120), nullable=True),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("employer_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("active_from", sa.DateTime(timezone=True), nullable=False),
        sa.Column("active_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["employer_id"], ["employer.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["person_id"], ["person.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("employer_id", "person_id", name="uq_employer_contact_person"),
    )
    with op.batch_alter_table("employer_contact", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_employer_contact_person_id"), ["person_id"], unique=False
        )

    op.create_table(
        "goal",
        sa.Column("area", sa.String(length=32), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("target_date", sa.Date(), nullable=True),
        sa.Column("progress_every_days", sa.Integer(), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("coaching_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("proposed_by_id", sa.Integer(), nullable=True),
        sa.Column("next_progress_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("progress_asked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("overdue_raised_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reached_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("let_go_reason", sa.String(length=500), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("progress_every_days >= 1", name="ck_goal_progress_every_days"),
        sa.ForeignKeyConstraint(["client_id"], ["person.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["coaching_id"], ["coaching.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["proposed_by_id"], ["person.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("goal", schema=None) as batch_op:
        batch_op.create_index("ix_goal_client_status", ["client_id", "status"], unique=False)
        batch_op.create_index("ix_goal_coaching", ["coaching_id"], unique=False)
        batch_op.create_index(
            "ix_goal_status_progress", ["status", "next_progress_at"], unique=False
        )

    op.create_table(
        "plan_emphasis",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("coaching_id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("area", sa.String(length=32), nullable=False),
        sa.Column("level", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=True),
        sa.Column("set_by_id", sa.Integer(), nullable=True),
        sa.Column("agreed_with_client", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("level BETWEEN 0 AND 4", name="ck_plan_emphasis_level"),
        sa.ForeignKeyConstraint(["client_id"], ["person.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["coaching_id"], ["coaching.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["set_by_id"], ["person.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("plan_emphasis", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_plan_emphasis_client_id"), ["client_id"], unique=False)
        batch_op.create_index(
            "ix_plan_emphasis_current", ["coaching_id", "area", "created_at"], unique=False
        )

    op.create_table(
        "relayed_message",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("direction", sa.String(length=32), nullable=False),
        sa.Column("sender_id", sa.Integer(), nullable=True),
        sa.Column("recipient_id", sa.Integer(), nullable=True),
        sa.Column("employer_id", sa.Integer(), nullable=True),
        sa.Column(
            "source_chat_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column(
            "source_message_id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            nullable=False,
        ),
        sa.Column("content_kind", sa.String(length=16), nullable=False),
        sa.Column("text", sa.Text(), nullable=True),
        sa.Column("file_id", sa.String(length=255), nullable=True),
        sa.Column(
            "recipient_chat_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.Column(
            "header_message_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.Column(
            "copy_message_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.Column("header_outbox_id", sa.Integer(), nullable=True),
        sa.Column("copy_outbox_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("read_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("edited_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reply_to_id", sa.Integer(), nullable=True),
        sa.Column("edit_of_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["client_id"], ["person.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["copy_outbox_id"], ["outbox_message.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["edit_of_id"], ["relayed_message.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["employer_id"], ["employer.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["header_outbox_id"], ["outbox_message.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["recipient_id"], ["person.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["reply_to_id"], ["relayed_message.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["sender_id"], ["person.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("relayed_message", schema=None) as batch_op:
        batch_op.create_index(
            "ix_relayed_message_client", ["client_id", "created_at"], unique=False
        )
        batch_op.create_index(
            "ix_relayed_message_copy", ["recipient_chat_id", "copy_message_id"], unique=False
        )
        batch_op.create_index(
            "ix_relayed_message_header", ["recipient_chat_id", "header_message_id"], unique=False
        )
        batch_op.create_index(
            "ix_relayed_message_recipient", ["recipient_id", "status"], unique=False
        )
        batch_op.create_index(
            "ix_relayed_message_source", ["source_chat_id", "source_message_id"], unique=False
        )

    op.create_table(
        "disclosure",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("consent_id", sa.Integer(), nullable=True),
        sa.Column("employer_id", sa.Integer(), nullable=True),
        sa.Column("recipient_id", sa.Integer(), nullable=True),
        sa.Column("what", sa.String(length=32), nullable=False),
        sa.Column(
            "details", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=False
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["client_id"], ["person.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["consent_id"], ["consent.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["employer_id"], ["employer.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["recipient_id"], ["person.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("disclosure", schema=None) as batch_op:
        batch_op.create_index("ix_disclosure_client", ["client_id", "created_at"], unique=False)
        batch_op.create_index("ix_disclosure_consent", ["consent_id"], unique=False)

    op.create_table(
        "goal_step",
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("goal_id", sa.Integer(), nullable=False),
        sa.Column("done_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["goal_id"], ["goal.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("goal_step", schema=None) as batch_op:
        batch_op.create_index("ix_goal_step_goal", ["goal_id", "position"], unique=False)

    op.create_table(
        "placement",
        sa.Column("job_title", sa.String(length=200), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("end_date", sa.Date(), nullable=True),
        sa.Column("hours_per_week", sa.Float(), nullable=True),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("employer_id", sa.Integer(), nullable=False),
        sa.Column("contact_id", sa.Integer(), nullable=True),
        sa.Column("is_current", sa.Boolean(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["client_id"], ["person.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["contact_id"], ["employer_contact.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["created_by_id"], ["person.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["employer_id"], ["employer.id"], ondelete="RESTRICT"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("placement", schema=None) as batch_op:
        batch_op.create_index("ix_placement_client", ["client_id", "start_date"], unique=False)
        batch_op.create_index(batch_op.f("ix_placement_employer_id"), ["employer_id"], unique=False)
        batch_op.create_index(
            "uq_placement_current",
            ["client_id"],
            unique=True,
            sqlite_where=sa.text("is_current"),
            postgresql_where=sa.text("is_current"),
        )

    op.create_table(
        "follow_up_contact",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("placement_id", sa.Integer(), nullable=True),
        sa.Column("audience", sa.String(length=16), nullable=False),
        sa.Column("recipient_id", sa.Integer(), nullable=True),
        sa.Column("paired_with_id", sa.Integer(), nullable=True),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "answers", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=False
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["client_id"], ["person.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["paired_with_id"], ["follow_up_contact.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["placement_id"], ["placement.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["recipient_id"], ["person.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("client_id", "audience", "due_at", name="uq_follow_up_contact_due"),
    )
    with op.batch_alter_table("follow_up_contact", schema=None) as batch_op:
        batch_op.create_index(
            "ix_follow_up_contact_placement", ["placement_id", "due_at"], unique=False
        )
        batch_op.create_index("ix_follow_up_contact_status_due", ["status", "due_at"], unique=False)

    op.create_table(
        "goal_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("goal_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("step_id", sa.Integer(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["actor_id"], ["person.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["goal_id"], ["goal.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["step_id"], ["goal_step.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("goal_event", schema=None) as batch_op:
        batch_op.create_index("ix_goal_event_goal", ["goal_id", "created_at"], unique=False)

    op.create_table(
        "invite",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("client_name", sa.String(length=100), nullable=True),
        sa.Column("employer_id", sa.Integer(), nullable=True),
        sa.Column("placement_id", sa.Integer(), nullable=True),
        sa.Column("consent_id", sa.Integer(), nullable=True),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("used_by_id", sa.Integer(), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["consent_id"], ["consent.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["created_by_id"], ["person.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["employer_id"], ["employer.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["organisation_id"], ["organisation.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["placement_id"], ["placement.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["used_by_id"], ["person.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("token_hash", name="uq_invite_token_hash"),
    )
    with op.batch_alter_table("invite", schema=None) as batch_op:
        batch_op.create_index("ix_invite_consent", ["consent_id"], unique=False)
        batch_op.create_index("ix_invite_creator", ["created_by_id", "used_at"], unique=False)
        batch_op.create_index("ix_invite_organisation", ["organisation_id", "kind"], unique=False)

    op.create_table(
        "meeting",
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("place", sa.String(length=300), nullable=True),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("placement_id", sa.Integer(), nullable=True),
        sa.Column("employer_id", sa.Integer(), nullable=True),
        sa.Column("proposed_by_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("confirmed_by_id", sa.Integer(), nullable=True),
        sa.Column("confirmed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reminder_sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["client_id"], ["person.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["confirmed_by_id"], ["person.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["employer_id"], ["employer.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["placement_id"], ["placement.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["proposed_by_id"], ["person.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("meeting", schema=None) as batch_op:
        batch_op.create_index("ix_meeting_client", ["client_id", "starts_at"], unique=False)
        batch_op.create_index("ix_meeting_status_starts", ["status", "starts_at"], unique=False)

    op.create_table(
        "placement_contact",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("placement_id", sa.Integer(), nullable=False),
        sa.Column("contact_id", sa.Integer(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["contact_id"], ["employer_contact.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["created_by_id"], ["person.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["placement_id"], ["placement.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("placement_id", "contact_id", name="uq_placement_contact_pair"),
    )
    with op.batch_alter_table("placement_contact", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_placement_contact_contact_id"), ["contact_id"], unique=False
        )


def downgrade() -> None:

    with op.batch_alter_table("placement_contact", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_placement_contact_contact_id"))

    op.drop_table("placement_contact")
    with op.batch_alter_table("meeting", schema=None) as batch_op:
        batch_op.drop_index("ix_meeting_status_starts")
        batch_op.drop_index("ix_meeting_client")

    op.drop_table("meeting")
    with op.batch_alter_table("invite", schema=None) as batch_op:
        batch_op.drop_index("ix_invite_organisation")
        batch_op.drop_index("ix_invite_creator")
        batch_op.drop_index("ix_invite_consent")

    op.drop_table("invite")
    with op.batch_alter_table("goal_event", schema=None) as batch_op:
        batch_op.drop_index("ix_goal_event_goal")

    op.drop_table("goal_event")
    with op.batch_alter_table("follow_up_contact", schema=None) as batch_op:
        batch_op.drop_index("ix_follow_up_contact_status_due")
        batch_op.drop_index("ix_follow_up_contact_placement")

    op.drop_table("follow_up_contact")
    with op.batch_alter_table("placement", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_placement_current",
            sqlite_where=sa.text("is_current"),
            postgresql_where=sa.text("is_current"),
        )
        batch_op.drop_index(batch_op.f("ix_placement_employer_id"))
        batch_op.drop_index("ix_placement_client")

    op.drop_table("placement")
    with op.batch_alter_table("goal_step", schema=None) as batch_op:
        batch_op.drop_index("ix_goal_step_goal")

    op.drop_table("goal_step")
    with op.batch_alter_table("disclosure", schema=None) as batch_op:
        batch_op.drop_index("ix_disclosure_consent")
        batch_op.drop_index("ix_disclosure_client")

    op.drop_table("disclosure")
    with op.batch_alter_table("relayed_message", schema=None) as batch_op:
        batch_op.drop_index("ix_relayed_message_source")
        batch_op.drop_index("ix_relayed_message_recipient")
        batch_op.drop_index("ix_relayed_message_header")
        batch_op.drop_index("ix_relayed_message_copy")
        batch_op.drop_index("ix_relayed_message_client")

    op.drop_table("relayed_message")
    with op.batch_alter_table("plan_emphasis", schema=None) as batch_op:
        batch_op.drop_index("ix_plan_emphasis_current")
        batch_op.drop_index(batch_op.f("ix_plan_emphasis_client_id"))

    op.drop_table("plan_emphasis")
    with op.batch_alter_table("goal", schema=None) as batch_op:
        batch_op.drop_index("ix_goal_status_progress")
        batch_op.drop_index("ix_goal_coaching")
        batch_op.drop_index("ix_goal_client_status")

    op.drop_table("goal")
    with op.batch_alter_table("employer_contact", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_employer_contact_person_id"))

    op.drop_table("employer_contact")
    with op.batch_alter_table("consent", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_consent_active",
            sqlite_where=sa.text("revoked_at IS NULL"),
            postgresql_where=sa.text("revoked_at IS NULL"),
        )
        batch_op.drop_index("ix_consent_employer")

    op.drop_table("consent")
    with op.batch_alter_table("coach_assignment", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_coach_assignment_responsible",
            sqlite_where=sa.text("kind = 'responsible' AND valid_until IS NULL"),
            postgresql_where=sa.text("kind = 'responsible' AND valid_until IS NULL"),
        )
        batch_op.drop_index(batch_op.f("ix_coach_assignment_coaching_id"))
        batch_op.drop_index("ix_coach_assignment_coach")
        batch_op.drop_index("ix_coach_assignment_client")

    op.drop_table("coach_assignment")
    with op.batch_alter_table("closing_summary", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_closing_summary_coaching_id"))

    op.drop_table("closing_summary")
    with op.batch_alter_table("membership", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_membership_person_id"))
        batch_op.drop_index(batch_op.f("ix_membership_organisation_id"))

    op.drop_table("membership")
    with op.batch_alter_table("flag_event", schema=None) as batch_op:
        batch_op.drop_index("ix_flag_event_flag")

    op.drop_table("flag_event")
    with op.batch_alter_table("employer", schema=None) as batch_op:
        batch_op.drop_index("ix_employer_organisation")

    op.drop_table("employer")
    with op.batch_alter_table("coaching", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_coaching_open",
            sqlite_where=sa.text("status IN ('onboarding', 'active')"),
            postgresql_where=sa.text("status IN ('onboarding', 'active')"),
        )
        batch_op.drop_index("ix_coaching_status_follow_up")
        batch_op.drop_index(batch_op.f("ix_coaching_organisation_id"))
        batch_op.drop_index(batch_op.f("ix_coaching_client_id"))

    op.drop_table("coaching")
    with op.batch_alter_table("checkin", schema=None) as batch_op:
        batch_op.drop_index("ix_checkin_status_window")
        batch_op.drop_index("ix_checkin_status_reminder")
        batch_op.drop_index("ix_checkin_status_due")
        batch_op.drop_index("ix_checkin_client_due")

    op.drop_table("checkin")
    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.drop_index("ix_audit_event_subject")

    op.drop_table("audit_event")
    with op.batch_alter_table("recurring_notice", schema=None) as batch_op:
        batch_op.drop_index("ix_recurring_notice_due")

    op.drop_table("recurring_notice")
    op.drop_table("reachability")
    op.drop_table("preference")
    with op.batch_alter_table("outbox_message", schema=None) as batch_op:
        batch_op.drop_index("ix_outbox_message_person")
        batch_op.drop_index("ix_outbox_message_due")

    op.drop_table("outbox_message")
    op.drop_table("organisation")
    op.drop_table("follow_up_plan")
    op.drop_table("flow_state")
    with op.batch_alter_table("flag", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_flag_open_kind",
            sqlite_where=sa.text("status != 'done'"),
            postgresql_where=sa.text("status != 'done'"),
        )
        batch_op.drop_index("ix_flag_notify_at")
        batch_op.drop_index("ix_flag_escalate_at")
        batch_op.drop_index("ix_flag_coach_status")
        batch_op.drop_index("ix_flag_client_raised")

    op.drop_table("flag")
    with op.batch_alter_table("coach_note", schema=None) as batch_op:
        batch_op.drop_index("ix_coach_note_client")

    op.drop_table("coach_note")
    with op.batch_alter_table("client_name", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_client_name_coach_id"))
        batch_op.drop_index(batch_op.f("ix_client_name_client_id"))

    op.drop_table("client_name")
    with op.batch_alter_table("checkin_schedule", schema=None) as batch_op:
        batch_op.drop_index("ix_checkin_schedule_due")
        batch_op.drop_index(batch_op.f("ix_checkin_schedule_client_id"))

    op.drop_table("checkin_schedule")
    with op.batch_alter_table("checkin_pause", schema=None) as batch_op:
        batch_op.drop_index("ix_checkin_pause_client")

    op.drop_table("checkin_pause")
    op.drop_table("person")
    op.drop_table("invite_attempt")
    with op.batch_alter_table("inbox_update", schema=None) as batch_op:
        batch_op.drop_index("ix_inbox_update_status")

    op.drop_table("inbox_update")
    op.drop_table("bot_state")
