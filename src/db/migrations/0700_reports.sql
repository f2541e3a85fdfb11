-- Reports. Appointment reports by start time use appointments_starts_idx and
-- appointments_doctor_starts_idx (0100); these cover the other axes reports scan by range.
-- Revenue is bucketed by payment time.
CREATE INDEX appointments_paid_at_idx ON appointments (paid_at) WHERE paid;
-- A doctor's history with one patient.
CREATE INDEX appointments_doctor_patient_idx ON appointments (doctor_id, patient_id, starts_at);
-- Registrations per period.
CREATE INDEX patients_created_idx ON patients (created_at);
CREATE INDEX doctors_created_idx ON doctors (created_at);
