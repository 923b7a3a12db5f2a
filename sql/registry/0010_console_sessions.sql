-- Operator console sessions (issue 15). The browser holds a random secret in a cookie; the
-- registry keeps only its SHA-256, so a copy of the registry opens no session. `id` is the
-- session's public name (the audit trail's `details.sessionId`), never the cookie.
-- The CSRF secret is kept encrypted with the master key (bound to the session's id).
CREATE TABLE tenant_management.console_sessions (
    id              uuid PRIMARY KEY,
    secret_hash     bytea NOT NULL UNIQUE CHECK (length(secret_hash) = 32),
    csrf_secret_enc text NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    last_seen_at    timestamptz NOT NULL DEFAULT now(),
    -- the absolute expiry (KRYONIX_CONSOLE_SESSION_MAX after sign-in); the idle one is last_seen_at + KRYONIX_CONSOLE_IDLE_TIMEOUT
    expires_at      timestamptz NOT NULL,
    client_address  text
);

CREATE INDEX console_sessions_expires_idx ON tenant_management.console_sessions (expires_at);
