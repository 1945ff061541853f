"use client";
// Camera scanning with the browser's BarcodeDetector (Chromium on Android, some desktops):
// offered behind a button only where the API exists, never required — a handheld scanner
// that types into the field, or pasting, works everywhere.
import { useEffect, useRef, useState } from "react";

// The part of the BarcodeDetector API used here (not yet in TypeScript's DOM library).
interface Detector { detect(source: HTMLVideoElement): Promise<{ rawValue: string }[]> }
type DetectorClass = new (opts: { formats: string[] }) => Detector;

export default function CameraScan({ onCode }: { onCode: (code: string) => void }) {
  const [supported, setSupported] = useState(false);
  const [open, setOpen] = useState(false);
  const [error, setError] = useState("");
  const video = useRef<HTMLVideoElement>(null);
  const handler = useRef(onCode);
  handler.current = onCode;

  // Known only in the browser, after hydration.
  useEffect(() => { setSupported("BarcodeDetector" in window && !!navigator.mediaDevices?.getUserMedia); }, []);

  useEffect(() => {
    if (!open) return;
    let stream: MediaStream | undefined;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let stopped = false;
    const Ctor = (window as unknown as { BarcodeDetector: DetectorClass }).BarcodeDetector;
    const detector = new Ctor({ formats: ["qr_code"] });
    const tick = async () => {
      if (stopped || !video.current) return;
      try {
        const codes = video.current.readyState >= 2 ? await detector.detect(video.current) : [];
        if (!stopped && codes[0]?.rawValue) {
          setOpen(false);
          handler.current(codes[0].rawValue);
          return;
        }
      } catch { /* a frame that cannot be read: try the next one */ }
      timer = setTimeout(tick, 150);
    };
    navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" }, audio: false })
      .then((s) => {
        stream = s;
        if (stopped || !video.current) { s.getTracks().forEach((t) => t.stop()); return; }
        video.current.srcObject = s;
        void video.current.play();
        void tick();
      })
      .catch(() => { setError("The camera cannot be used (permission refused or no camera). Type or paste the code instead."); setOpen(false); });
    return () => {
      stopped = true;
      clearTimeout(timer);
      stream?.getTracks().forEach((t) => t.stop());
    };
  }, [open]);

  if (!supported) return null;
  return (
    <div className="camera">
      <button type="button" onClick={() => { setError(""); setOpen((o) => !o); }} aria-pressed={open}>
        {open ? "Stop camera" : "Scan with camera"}
      </button>
      {error && <p role="alert">{error}</p>}
      {open && <video ref={video} muted playsInline aria-label="Camera view: hold the ticket's QR code in front of the camera" />}
    </div>
  );
}
