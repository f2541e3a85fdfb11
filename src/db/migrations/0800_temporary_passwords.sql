-- Temporary doctor passwords (doctor onboarding). A password the admin typed in at onboarding is
-- temporary: the doctor must change it before using any other doctor route. Existing doctors chose
-- (or were handed) their password before this rule, so they keep false.
ALTER TABLE doctors ADD COLUMN password_temporary boolean NOT NULL DEFAULT false;
