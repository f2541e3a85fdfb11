-- Security: sessions and refresh tokens, password-reset tokens, TOTP second factor,
-- and the audit log. Recovery mail goes through the notifications outbox (0600).

-- One row per login. Access tokens carry the session id in their `jti`, so revoking a session
-- (logout, refresh-token reuse, password change) refuses every token of that login.
CREATE TABLE auth_sessions (
  id          text PRIMARY KEY,
  role        text NOT NULL CHECK (role IN ('patient', 'doctor', 'admin')),
  account_id  text NOT NULL,
  ip          text,
  created_at  timestamptz NOT NULL DEFAULT now(),
  expires_at  timestamptz NOT NULL,
  revoked_at  timestamptz,
  revoke_reason text
);
CREATE INDEX auth_sessions_account_idx ON auth_sessions (role, account_id) WHERE revoked_at IS NULL;

-- Refresh tokens, stored as SHA-256 hashes. Each use rotates: the old row gets `used_at` and
-- points at its successor; presenting a used token again revokes the whole session (family).
CREATE TABLE refresh_tokens (
  token_hash  text PRIMARY KEY,
  session_id  text NOT NULL REFERENCES auth_sessions(id) ON DELETE CASCADE,
  created_at  timestamptz NOT NULL DEFAULT now(),
  expires_at  timestamptz NOT NULL,
  used_at     timestamptz
);
CREATE INDEX refresh_tokens_session_idx ON refresh_tokens (session_id);

-- Tokens signed without a session (older code paths) are cut off per account by time.
CREATE TABLE account_revocations (
  role           text NOT NULL CHECK (role IN ('patient', 'doctor', 'admin')),
  account_id     text NOT NULL,
  revoked_before timestamptz NOT NULL,
  PRIMARY KEY (role, account_id)
);

-- Single-use, expiring password-reset (and set-password) tokens, stored hashed.
CREATE TABLE password_reset_tokens (
  token_hash  text PRIMARY KEY,
  role        text NOT NULL CHECK (role IN ('patient', 'doctor')),
  account_id  text NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now(),
  expires_at  timestamptz NOT NULL,
  used_at     timestamptz,
  CHECK (expires_at > created_at)
);
CREATE INDEX password_reset_tokens_account_idx ON password_reset_tokens (role, account_id);

-- TOTP second factor for doctors and admins. `confirmed_at` NULL = enrolment started, not active.
CREATE TABLE two_factor (
  role            text NOT NULL CHECK (role IN ('doctor', 'admin')),
  account_id      text NOT NULL,
  secret          text NOT NULL,
  confirmed_at    timestamptz,
  last_used_step  bigint NOT NULL DEFAULT 0,
  recovery_hashes text[] NOT NULL DEFAULT '{}',
  created_at      timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (role, account_id)
);

-- Who did what, to what, when, from where. Append-only by convention; read by the admin.
CREATE TABLE audit_log (
  id          bigserial PRIMARY KEY,
  at          timestamptz NOT NULL DEFAULT now(),
  actor_role  text CHECK (actor_role IN ('patient', 'doctor', 'admin')),
  actor_id    text,
  action      text NOT NULL,
  target_type text,
  target_id   text,
  outcome     text NOT NULL CHECK (outcome IN ('success', 'failure')),
  status_code integer NOT NULL,
  ip          text,
  detail      jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX audit_log_at_idx ON audit_log (at DESC, id DESC);
CREATE INDEX audit_log_actor_idx ON audit_log (actor_role, actor_id, at DESC);
CREATE INDEX audit_log_action_idx ON audit_log (action, at DESC);
CREATE INDEX audit_log_target_idx ON audit_log (target_id, at DESC);
