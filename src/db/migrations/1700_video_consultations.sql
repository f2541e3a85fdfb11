-- Video consultations (issue 17). A doctor offers in-person visits, video calls or both; every
-- appointment records which one it is. A video appointment owns a meeting room: a long random name,
-- unique across all appointments, that exists only while the appointment is not cancelled.
ALTER TABLE doctors
  ADD COLUMN offers_in_person boolean NOT NULL DEFAULT true,
  ADD COLUMN offers_video boolean NOT NULL DEFAULT false,
  ADD CONSTRAINT doctors_offers_some_mode CHECK (offers_in_person OR offers_video);

ALTER TABLE appointments
  ADD COLUMN mode text NOT NULL DEFAULT 'in_person' CHECK (mode IN ('in_person', 'video')),
  ADD COLUMN video_room text,
  -- a live or completed video appointment has its room; an in-person one never has one
  ADD CONSTRAINT appointments_video_room_mode CHECK (
    (mode = 'in_person' AND video_room IS NULL)
    OR (mode = 'video' AND (video_room IS NOT NULL) = (status <> 'cancelled'))
  );
-- two appointments never share a meeting room
CREATE UNIQUE INDEX appointments_video_room_unique ON appointments (video_room) WHERE video_room IS NOT NULL;

-- Whatever path cancels an appointment (a person, the payment-window sweep, a booking releasing an
-- expired hold), its meeting room goes with it: the link stops being handed out and cannot come back.
CREATE FUNCTION appointments_drop_video_room() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.status = 'cancelled' THEN
    NEW.video_room := NULL;
  END IF;
  RETURN NEW;
END;
$$;
CREATE TRIGGER appointments_video_room_on_cancel
  BEFORE INSERT OR UPDATE OF status ON appointments
  FOR EACH ROW EXECUTE FUNCTION appointments_drop_video_room();
