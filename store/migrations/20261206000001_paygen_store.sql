-- paygen-store, version 1: notification hand-off and the payment journal.

-- One row per notification event ever claimed. A row with handed_on = false is a
-- claim: its holder is handing the event on until claimed_until; a row with
-- handed_on = true is an event handed on, acknowledged on every later delivery.
CREATE TABLE paygen_deliveries (
    event_key     TEXT        PRIMARY KEY,
    token         TEXT        NOT NULL,
    handed_on     BOOLEAN     NOT NULL DEFAULT false,
    claimed_until TIMESTAMPTZ NOT NULL,
    recorded_at   TIMESTAMPTZ
);
CREATE INDEX paygen_deliveries_recorded ON paygen_deliveries (recorded_at) WHERE handed_on;

-- One row per payment: the intent, written before the pay request leaves, then its
-- settlement. A payment with no settlement is unfinished; whoever holds its lease
-- (lease_owner until lease_until, by the database's clock) drives it.
CREATE TABLE paygen_payments (
    id            BIGSERIAL   PRIMARY KEY,
    provider      TEXT        NOT NULL,
    order_no      TEXT        NOT NULL,
    amount_fen    BIGINT      NOT NULL CHECK (amount_fen >= 0),
    -- Milliseconds since the epoch, by the paying client's clock: queries stop here.
    deadline_ms   BIGINT      NOT NULL,
    started_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
    lease_owner   TEXT,
    lease_until   TIMESTAMPTZ,
    settlement    TEXT CHECK (settlement IN
                      ('paid', 'failed', 'cancelled_after_deadline', 'needs_manual_attention', 'not_sent')),
    detail        TEXT,
    finished_at   TIMESTAMPTZ,
    UNIQUE (provider, order_no)
);
CREATE INDEX paygen_payments_unfinished ON paygen_payments (provider, id) WHERE settlement IS NULL;

-- Every request of a payment's flow after it was sent, in order.
CREATE TABLE paygen_payment_steps (
    id          BIGSERIAL   PRIMARY KEY,
    payment_id  BIGINT      NOT NULL REFERENCES paygen_payments (id),
    kind        TEXT        NOT NULL CHECK (kind IN ('pay', 'query', 'cancel')),
    verdict     TEXT        CHECK (verdict IN ('paid', 'failed', 'in_progress', 'cancelled', 'attention')),
    outcome     TEXT        NOT NULL,
    owner       TEXT        NOT NULL,
    at          TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX paygen_payment_steps_payment ON paygen_payment_steps (payment_id, id);
