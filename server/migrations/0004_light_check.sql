-- What the screen-light check saw on each judged capture: matches,
-- inconclusive, contradicts, or off (the person turned the colours off).
ALTER TABLE certifications ADD COLUMN light TEXT;
