"use client";
// "Near me" of the search form: the browser's location fills hidden lat/lng fields, which the
// GET form sends with the chosen distance. The location is asked for only on a click, and
// nothing is sent until the buyer searches. Without JavaScript the button does nothing and the
// rest of the form still works.
import { useState } from "react";
import s from "./search.module.css";

const RADII = ["5", "10", "25", "50", "100", "250"];

export default function NearMe({ lat, lng, radiusKm }: { lat: string; lng: string; radiusKm: string }) {
  const [where, setWhere] = useState(lat && lng ? { lat, lng } : null);
  const [note, setNote] = useState(lat && lng ? "Using your location." : "");
  const [busy, setBusy] = useState(false);

  function locate() {
    if (!("geolocation" in navigator)) {
      setNote("This browser cannot share its location.");
      return;
    }
    setBusy(true);
    setNote("Finding your location…");
    navigator.geolocation.getCurrentPosition(
      (p) => {
        setBusy(false);
        // Four decimals (about 10 m) are plenty for a distance filter and keep the URL short.
        setWhere({ lat: p.coords.latitude.toFixed(4), lng: p.coords.longitude.toFixed(4) });
        setNote("Using your location. Search to see events near you.");
      },
      (err) => {
        setBusy(false);
        setNote(err.code === err.PERMISSION_DENIED ? "Location access was refused, so events are not filtered by distance." : "Your location could not be found.");
      },
      { maximumAge: 600_000, timeout: 15_000 },
    );
  }

  return (
    <fieldset className={s.near}>
      <legend>Near me</legend>
      {where && <input type="hidden" name="lat" value={where.lat} />}
      {where && <input type="hidden" name="lng" value={where.lng} />}
      <div className={s.row}>
        {where ? (
          <button type="button" onClick={() => { setWhere(null); setNote("Not filtering by distance."); }}>Forget my location</button>
        ) : (
          <button type="button" onClick={locate} disabled={busy}>Use my location</button>
        )}
        <label className={s.field}>
          <span>Within</span>
          <select name="radius_km" defaultValue={RADII.includes(radiusKm) ? radiusKm : "25"}>
            {RADII.map((r) => <option key={r} value={r}>{r} km</option>)}
          </select>
        </label>
      </div>
      <p className={s.note} role="status" aria-live="polite">{note}</p>
    </fieldset>
  );
}
