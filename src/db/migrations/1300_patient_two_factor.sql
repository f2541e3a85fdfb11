-- Patients may turn on the TOTP second factor too (modules/auth/two-factor.ts): the role check of
-- two_factor now admits every account role.
ALTER TABLE two_factor DROP CONSTRAINT two_factor_role_check;
ALTER TABLE two_factor ADD CONSTRAINT two_factor_role_check CHECK (role IN ('patient', 'doctor', 'admin'));
