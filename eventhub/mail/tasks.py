"""RQ job: deliver the outbox inside an application context."""


def deliver_outbox() -> dict[str, int]:
    from eventhub import create_app
    from eventhub.mail.services import deliver_pending

    app = create_app()
    with app.app_context():
        return deliver_pending()
