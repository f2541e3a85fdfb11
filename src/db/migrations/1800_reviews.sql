-- Reviews of completed appointments (one per appointment), reports of reviews by patients and
-- doctors, and each doctor's rating aggregate. The aggregate is kept by a trigger in the same
-- transaction as the review change, so the doctor list reads one small row per doctor however many
-- reviews exist (1M reviews cost the list nothing), and no write path can leave it wrong.

CREATE TABLE reviews (
  id             text PRIMARY KEY,
  appointment_id text NOT NULL REFERENCES appointments(id) ON DELETE CASCADE,
  doctor_id      text NOT NULL REFERENCES doctors(id) ON DELETE CASCADE,
  patient_id     text NOT NULL REFERENCES patients(id) ON DELETE CASCADE,
  rating         smallint NOT NULL CHECK (rating BETWEEN 1 AND 5),
  comment        text CHECK (char_length(comment) <= 2000),
  -- what the public sees of the reviewer: first name and last initial, fixed when written, so the
  -- full name is never read for a public page
  author_name    text NOT NULL CHECK (char_length(author_name) <= 120),
  reply          text CHECK (char_length(reply) <= 2000),
  replied_at     timestamptz,
  hidden_at      timestamptz,
  hidden_reason  text,
  created_at     timestamptz NOT NULL,
  updated_at     timestamptz NOT NULL,
  CONSTRAINT reviews_one_per_appointment UNIQUE (appointment_id),
  CONSTRAINT reviews_reply_pair CHECK ((reply IS NULL) = (replied_at IS NULL))
);
-- a doctor's latest visible reviews (the public page), and all of them (their dashboard)
CREATE INDEX reviews_doctor_visible_idx ON reviews (doctor_id, created_at DESC, id DESC) WHERE hidden_at IS NULL;
CREATE INDEX reviews_doctor_idx ON reviews (doctor_id, created_at DESC, id DESC);
CREATE INDEX reviews_patient_idx ON reviews (patient_id, created_at DESC);

-- One report per reporter and review: reporting twice changes nothing.
CREATE TABLE review_reports (
  review_id     text NOT NULL REFERENCES reviews(id) ON DELETE CASCADE,
  reporter_role text NOT NULL CHECK (reporter_role IN ('patient', 'doctor')),
  reporter_id   text NOT NULL,
  reason        text NOT NULL CHECK (char_length(reason) BETWEEN 1 AND 500),
  created_at    timestamptz NOT NULL,
  PRIMARY KEY (review_id, reporter_role, reporter_id)
);
CREATE INDEX review_reports_latest_idx ON review_reports (created_at DESC);

-- Visible (not hidden) reviews per doctor: their count and the sum of their ratings.
CREATE TABLE doctor_ratings (
  doctor_id  text PRIMARY KEY REFERENCES doctors(id) ON DELETE CASCADE,
  reviews    integer NOT NULL DEFAULT 0 CHECK (reviews >= 0),
  rating_sum bigint NOT NULL DEFAULT 0 CHECK (rating_sum >= 0)
);

CREATE FUNCTION review_rating_apply(doctor text, rating smallint, sign integer) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
  -- a removal only ever follows its addition, so its row exists (and a negative VALUES row would
  -- fail the CHECKs before ON CONFLICT is considered)
  IF sign < 0 THEN
    UPDATE doctor_ratings SET reviews = reviews - 1, rating_sum = rating_sum - rating WHERE doctor_id = doctor;
  ELSE
    INSERT INTO doctor_ratings AS d (doctor_id, reviews, rating_sum) VALUES (doctor, 1, rating)
      ON CONFLICT (doctor_id) DO UPDATE SET reviews = d.reviews + 1, rating_sum = d.rating_sum + rating;
  END IF;
END $$;

CREATE FUNCTION reviews_keep_ratings() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP IN ('UPDATE', 'DELETE') AND OLD.hidden_at IS NULL THEN
    -- the doctor row may be going away in the same statement (cascade): nothing left to keep
    IF EXISTS (SELECT 1 FROM doctors WHERE id = OLD.doctor_id) THEN
      PERFORM review_rating_apply(OLD.doctor_id, OLD.rating, -1);
    END IF;
  END IF;
  IF TG_OP IN ('INSERT', 'UPDATE') AND NEW.hidden_at IS NULL THEN
    PERFORM review_rating_apply(NEW.doctor_id, NEW.rating, 1);
  END IF;
  RETURN NULL;
END $$;

CREATE TRIGGER reviews_keep_ratings AFTER INSERT OR DELETE OR UPDATE OF rating, hidden_at, doctor_id ON reviews
  FOR EACH ROW EXECUTE FUNCTION reviews_keep_ratings();
