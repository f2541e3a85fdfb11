-- A deleted account's devices get no more pushes, however the account goes (a patient's erasure
-- sets deleted_at; an admin tool or SQL deletes the row): its push subscriptions are removed in the
-- same transaction, and pushes still queued for them are dropped by the worker (no subscription).
CREATE FUNCTION remove_push_subscriptions_of_account() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  -- deleted_at comes with a later migration (1950): read through jsonb, so this runs before and after it
  IF TG_OP = 'DELETE' OR ((to_jsonb(OLD) ->> 'deleted_at') IS NULL AND (to_jsonb(NEW) ->> 'deleted_at') IS NOT NULL) THEN
    DELETE FROM push_subscriptions WHERE owner_role = TG_ARGV[0] AND owner_id = OLD.id;
  END IF;
  RETURN NULL;
END $$;

CREATE TRIGGER patients_deletion_removes_push AFTER DELETE ON patients
  FOR EACH ROW EXECUTE FUNCTION remove_push_subscriptions_of_account('patient');
CREATE TRIGGER patients_erasure_removes_push AFTER UPDATE ON patients
  FOR EACH ROW EXECUTE FUNCTION remove_push_subscriptions_of_account('patient');
CREATE TRIGGER doctors_deletion_removes_push AFTER DELETE ON doctors
  FOR EACH ROW EXECUTE FUNCTION remove_push_subscriptions_of_account('doctor');
