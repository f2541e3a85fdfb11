-- Deleting an account ends its sessions at once, however the row goes (an admin tool, SQL typed by
-- hand, a data-protection erasure): its access tokens are refused by the session check every
-- authenticated request makes, its refresh tokens by the refresh, and tokens signed outside a
-- session by the account's cut-off. Kept in the database so no delete path can forget it.
CREATE FUNCTION end_sessions_of_deleted_account() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  account_role text := TG_ARGV[0];
BEGIN
  UPDATE auth_sessions SET revoked_at = now(), revoke_reason = 'account-deleted'
   WHERE role = account_role AND account_id = OLD.id AND revoked_at IS NULL;
  INSERT INTO account_revocations (role, account_id, revoked_before) VALUES (account_role, OLD.id, now())
    ON CONFLICT (role, account_id) DO UPDATE SET revoked_before = GREATEST(account_revocations.revoked_before, EXCLUDED.revoked_before);
  RETURN OLD;
END $$;

CREATE TRIGGER patients_deletion_ends_sessions AFTER DELETE ON patients
  FOR EACH ROW EXECUTE FUNCTION end_sessions_of_deleted_account('patient');
CREATE TRIGGER doctors_deletion_ends_sessions AFTER DELETE ON doctors
  FOR EACH ROW EXECUTE FUNCTION end_sessions_of_deleted_account('doctor');
CREATE TRIGGER admins_deletion_ends_sessions AFTER DELETE ON admins
  FOR EACH ROW EXECUTE FUNCTION end_sessions_of_deleted_account('admin');
